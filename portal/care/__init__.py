"""Care access: who may see a child (care teams, family links, break-the-glass grants), the one
access policy that reads those rows, the append-only audit trail, and in-portal notifications.

Sits above the patient core (patients.models) and below the patient feature packages
(clinical record, late effects, reminders), which ask it before every read and write.
"""
