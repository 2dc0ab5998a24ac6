from django.apps import AppConfig


class LateEffectsConfig(AppConfig):
    name = "patients.late_effects"
    label = "late_effects"
    verbose_name = "Late effects and follow-up care"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Recompute a child's late-effects care plan whenever their exposures change.
        from patients.late_effects import receivers  # noqa: F401
