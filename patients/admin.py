"""Admin registrations of the patients app, kept next to their subpackages."""

from patients.late_effects import admin as late_effects_admin  # noqa: F401
from patients.reminders import admin as reminders_admin  # noqa: F401
