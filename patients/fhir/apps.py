from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "patients.fhir"
    label = "fhir"
    verbose_name = "FHIR passports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.conf import settings

        from . import codes

        codes.configure(settings.FHIR_CODE_SYSTEM_BASE)
