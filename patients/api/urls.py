from django.urls import path

from patients.api.clinical_views import (
    DiagnosisViewSet,
    ExposureViewSet,
    ManualSummaryViewSet,
    RiskAssessmentViewSet,
    RiskDecisionViewSet,
    TimelineEntryViewSet,
    TreatmentPhaseViewSet,
    TreatmentPlanViewSet,
)
from patients.api.views import PatientViewSet
from patients.late_effects.api import FollowUpItemViewSet

patient_list = PatientViewSet.as_view({"get": "list", "post": "create"})
patient_detail = PatientViewSet.as_view({"get": "retrieve", "patch": "partial_update"})
SINGLETON = {"get": "retrieve", "put": "update", "patch": "partial_update"}
COLLECTION = {"get": "list", "post": "create"}
ITEM = {"get": "retrieve", "patch": "partial_update", "delete": "destroy"}
ONE = "patients/<int:patient_id>/"

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
    # Clinical record.
    path(f"{ONE}diagnosis/", DiagnosisViewSet.as_view(SINGLETON), name="api-diagnosis"),
    path(f"{ONE}treatment-plan/", TreatmentPlanViewSet.as_view(SINGLETON), name="api-treatment-plan"),
    path(f"{ONE}manual-summary/", ManualSummaryViewSet.as_view(SINGLETON), name="api-manual-summary"),
    path(f"{ONE}exposures/", ExposureViewSet.as_view({"get": "retrieve"}), name="api-exposures"),
    path(f"{ONE}risk/", RiskAssessmentViewSet.as_view({"get": "list"}), name="api-risk-list"),
    path(f"{ONE}risk/<int:assessment_id>/", RiskAssessmentViewSet.as_view({"get": "retrieve"}), name="api-risk-detail"),
    path(
        f"{ONE}risk/<int:assessment_id>/decision/",
        RiskDecisionViewSet.as_view({"post": "create"}),
        name="api-risk-decision",
    ),
    path(f"{ONE}phases/", TreatmentPhaseViewSet.as_view(COLLECTION), name="api-phase-list"),
    path(f"{ONE}phases/<int:phase_id>/", TreatmentPhaseViewSet.as_view(ITEM), name="api-phase-detail"),
    path(f"{ONE}timeline/", TimelineEntryViewSet.as_view(COLLECTION), name="api-timeline-list"),
    path(f"{ONE}timeline/<int:entry_id>/", TimelineEntryViewSet.as_view(ITEM), name="api-timeline-detail"),
]
