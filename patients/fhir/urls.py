from django.urls import path

from . import views

app_name = "fhir"

urlpatterns = [
    path("fhir/Patient/<int:patient_id>/$everything", views.patient_everything, name="patient_everything"),
    path("fhir/Bundle", views.bundle_import, name="bundle_import"),
    path("patients/<int:patient_id>/passport-import/", views.passport_upload, name="passport_upload"),
]
