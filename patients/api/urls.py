from django.urls import path

from patients.api.views import PatientViewSet

patient_list = PatientViewSet.as_view({"get": "list", "post": "create"})
patient_detail = PatientViewSet.as_view({"get": "retrieve", "patch": "partial_update"})

urlpatterns = [
    path("patients/", patient_list, name="api-patient-list"),
    path("patients/<int:patient_id>/", patient_detail, name="api-patient-detail"),
]
