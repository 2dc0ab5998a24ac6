"""Curated education pages and questions families bring to visits (issue 5)."""
