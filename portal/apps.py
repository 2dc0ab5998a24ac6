from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The site shell: settings, URLs, middleware, pages, API and admin base classes, demo data."""

    name = "portal"
    verbose_name = "Site"
    default_auto_field = "django.db.models.BigAutoField"
