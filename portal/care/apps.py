from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "portal.care"
    label = "care"
    verbose_name = "People, access and audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from portal.care import account_events, checks  # noqa: F401 (audit receivers; deploy check)
