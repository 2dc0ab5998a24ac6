from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "patients.fhir"
    label = "fhir"
    verbose_name = "FHIR passports"
    default_auto_field = "django.db.models.BigAutoField"
