from django.urls import path

from patients.api.views import PatientViewSet
from patients.late_effects.api import FollowUpItemViewSet

patient_list = PatientViewSet.as_view({"get": "list", "post": "create"})
patient_detail = PatientViewSet.as_view({"get": "retrieve", "patch": "partial_update"})

follow_up_list = FollowUpItemViewSet.as_view({"get": "list"})
follow_up_detail = FollowUpItemViewSet.as_view({"get": "retrieve"})
follow_up_complete = FollowUpItemViewSet.as_view({"post": "complete"})
follow_up_close = FollowUpItemViewSet.as_view({"post": "close"})

urlpatterns = [
    path("patients/", patient_list, name="api-patient-list"),
    path("patients/<int:patient_id>/", patient_detail, name="api-patient-detail"),
    path("patients/<int:patient_id>/follow-ups/", follow_up_list, name="api-follow-up-list"),
    path("patients/<int:patient_id>/follow-ups/<int:pk>/", follow_up_detail, name="api-follow-up-detail"),
    path("patients/<int:patient_id>/follow-ups/<int:pk>/complete/", follow_up_complete, name="api-follow-up-complete"),
    path("patients/<int:patient_id>/follow-ups/<int:pk>/close/", follow_up_close, name="api-follow-up-close"),
]
