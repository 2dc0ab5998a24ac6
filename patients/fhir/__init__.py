"""FHIR R4: the child's record as a Survivorship Passport Bundle, and passports from other centres read in."""
