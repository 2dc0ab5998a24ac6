"""The patient routes, built twice by portal/api/urls.py: under /api/v1/ and as the deprecated
/api/patients/… aliases (the same views with `api_deprecated=True` and their old pagination)."""

from django.urls import path

from patients.api.clinical_views import (
    DiagnosisViewSet,
    ExposureViewSet,
    ManualSummaryViewSet,
    MrdEntryViewSet,
    RiskAssessmentViewSet,
    RiskDecisionViewSet,
    TimelineEntryViewSet,
    TreatmentPhaseViewSet,
    TreatmentPlanViewSet,
)
from patients.api.views import PatientViewSet
from patients.late_effects.api import CarePlanViewSet, FollowUpItemViewSet
from patients.reminders.api import ReminderViewSet
from portal.api.pagination import LegacyPageNumberPagination

SINGLETON = {"get": "retrieve", "put": "update", "patch": "partial_update"}
COLLECTION = {"get": "list", "post": "create"}
ITEM = {"get": "retrieve", "patch": "partial_update", "delete": "destroy"}
ONE = "patients/<int:patient_id>/"
LEGACY = {"api_deprecated": True, "pagination_class": LegacyPageNumberPagination, "filter_backends": []}


def patient_patterns(*, legacy: bool = False) -> list:
    extra = LEGACY if legacy else {}

    def view(viewset, actions):
        return viewset.as_view(actions, **extra)

    patterns = [
        path("patients/", view(PatientViewSet, {"get": "list", "post": "create"}), name="api-patient-list"),
        path(
            "patients/<int:patient_id>/",
            view(PatientViewSet, {"get": "retrieve", "patch": "partial_update"}),
            name="api-patient-detail",
        ),
        path(f"{ONE}follow-ups/", view(FollowUpItemViewSet, {"get": "list"}), name="api-follow-up-list"),
        path(f"{ONE}follow-ups/<int:pk>/", view(FollowUpItemViewSet, {"get": "retrieve"}), name="api-follow-up-detail"),
        path(
            f"{ONE}follow-ups/<int:pk>/complete/",
            view(FollowUpItemViewSet, {"post": "complete"}),
            name="api-follow-up-complete",
        ),
        path(
            f"{ONE}follow-ups/<int:pk>/close/", view(FollowUpItemViewSet, {"post": "close"}), name="api-follow-up-close"
        ),
        # Clinical record.
        path(f"{ONE}diagnosis/", view(DiagnosisViewSet, SINGLETON), name="api-diagnosis"),
        path(f"{ONE}treatment-plan/", view(TreatmentPlanViewSet, SINGLETON), name="api-treatment-plan"),
        path(f"{ONE}manual-summary/", view(ManualSummaryViewSet, SINGLETON), name="api-manual-summary"),
        path(f"{ONE}exposures/", view(ExposureViewSet, {"get": "retrieve"}), name="api-exposures"),
        path(f"{ONE}risk/", view(RiskAssessmentViewSet, {"get": "list"}), name="api-risk-list"),
        path(
            f"{ONE}risk/<int:assessment_id>/", view(RiskAssessmentViewSet, {"get": "retrieve"}), name="api-risk-detail"
        ),
        path(
            f"{ONE}risk/<int:assessment_id>/decision/",
            view(RiskDecisionViewSet, {"post": "create"}),
            name="api-risk-decision",
        ),
        path(f"{ONE}phases/", view(TreatmentPhaseViewSet, COLLECTION), name="api-phase-list"),
        path(f"{ONE}phases/<int:phase_id>/", view(TreatmentPhaseViewSet, ITEM), name="api-phase-detail"),
        path(f"{ONE}timeline/", view(TimelineEntryViewSet, COLLECTION), name="api-timeline-list"),
        path(f"{ONE}timeline/<int:entry_id>/", view(TimelineEntryViewSet, ITEM), name="api-timeline-detail"),
    ]
    if not legacy:  # resources added with v1 have no old alias
        patterns += [
            path(f"{ONE}care-plan/", view(CarePlanViewSet, {"get": "retrieve"}), name="api-care-plan"),
            path(f"{ONE}mrd/", view(MrdEntryViewSet, {"get": "list"}), name="api-mrd-list"),
            path(f"{ONE}mrd/<int:entry_id>/", view(MrdEntryViewSet, {"get": "retrieve"}), name="api-mrd-detail"),
            path(f"{ONE}reminders/", view(ReminderViewSet, {"get": "list"}), name="api-reminder-list"),
            path(
                f"{ONE}reminders/<int:reminder_id>/",
                view(ReminderViewSet, {"get": "retrieve"}),
                name="api-reminder-detail",
            ),
        ]
    return patterns
