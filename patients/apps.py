from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "patients"
    verbose_name = "Patients"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Recompute a child's late-effects care plan whenever their exposures change.
        from patients.late_effects import receivers  # noqa: F401
