from django.apps import AppConfig


class PatientsConfig(AppConfig):
    """The patient core: the child and the clinical record's models, and reference vocabularies."""

    name = "patients"
    verbose_name = "Patients"
    default_auto_field = "django.db.models.BigAutoField"
