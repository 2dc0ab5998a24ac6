"""Education views: family library and questions, care-team actions on the record, editors' workspace."""
