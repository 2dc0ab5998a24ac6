from django.urls import path

from patients.late_effects.urls import urlpatterns as late_effects_urls
from patients.views import family, records

app_name = "patients"

urlpatterns = [
    path("patients/", records.patient_list, name="list"),
    path("patients/new/", records.patient_create, name="create"),
    path("patients/emergency-access/", records.break_glass, name="break_glass"),
    path("patients/<int:patient_id>/", records.patient_detail, name="detail"),
    path("patients/<int:patient_id>/edit/", records.patient_edit, name="edit"),
    path("family/", family.family_home, name="family_home"),
    path("family/children/<int:patient_id>/", family.family_child, name="family_child"),
    path("family/children/<int:patient_id>/access-log/", family.family_access_log, name="family_access_log"),
    *late_effects_urls,
]
