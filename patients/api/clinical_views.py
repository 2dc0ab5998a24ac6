"""Clinical record API under /api/patients/<patient_id>/...: thin viewsets over the services.

All are PatientScopedViewSet (access policy, 404 + audit for other children, reads audited; writes
are audited by the services). Only the timeline is readable by families, through visible_entries
and a reduced serializer. Singletons (diagnosis, plan, exposures, manual summary) answer GET/PUT/PATCH.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from patients.api.clinical_serializers import (
    DiagnosisSerializer,
    ExposureRecordSerializer,
    FamilyEntrySerializer,
    ManualSummarySerializer,
    RiskAssessmentSerializer,
    RiskDecisionSerializer,
    TimelineEntrySerializer,
    TreatmentPhaseSerializer,
    TreatmentPlanSerializer,
)
from patients.api.filters import MrdEntryFilter, TimelineEntryFilter
from patients.clinical import selectors, services
from patients.clinical.exposure_store import recompute_exposures
from patients.models import (
    Diagnosis,
    EntryKind,
    ExposureRecord,
    ManualTreatmentSummary,
    RiskAssessment,
    TreatmentPhase,
    TreatmentPlan,
)
from portal.accounts.models import Role
from portal.api.scoping import PatientScopedViewSet


def _split_version(data: dict) -> tuple[dict, int | None]:
    data = dict(data)
    return data, data.pop("version", None)


class SingletonViewSet(PatientScopedViewSet):
    """One row per child: GET returns it (404 until it exists), PUT/PATCH create or change it via `save`."""

    family_readable = False
    creates_on_write = True  # PUT/PATCH answer 201 on the first save (documented by portal.api.schema)

    def get_object(self):
        obj = self.get_queryset().first()
        if obj is None and self.action == "retrieve":
            raise Http404("Not recorded yet.")
        return obj

    def retrieve(self, request, *args, **kwargs):
        return Response(self.get_serializer(self.get_object()).data)

    def update(self, request, *args, **kwargs):
        instance = self.get_object()
        partial = kwargs.pop("partial", False) or self.action == "partial_update"
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data, version = _split_version(serializer.validated_data)
        saved = self.save(data, self.version_for_write(instance, version))
        return Response(
            self.get_serializer(saved).data, status=status.HTTP_200_OK if instance else status.HTTP_201_CREATED
        )

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def save(self, data, version):
        raise NotImplementedError


class DiagnosisViewSet(SingletonViewSet):
    queryset = Diagnosis.objects.select_related("patient").prefetch_related(
        "genetic_markers", "predisposition_syndromes"
    )
    serializer_class = DiagnosisSerializer

    def save(self, data, version):
        return services.save_diagnosis(self.request.user, self.patient, data, version)


class TreatmentPlanViewSet(SingletonViewSet):
    queryset = TreatmentPlan.objects.all()
    serializer_class = TreatmentPlanSerializer

    def save(self, data, version):
        return services.save_plan(self.request.user, self.patient, data, version)


class ManualSummaryViewSet(SingletonViewSet):
    queryset = ManualTreatmentSummary.objects.all()
    serializer_class = ManualSummarySerializer

    def save(self, data, version):
        return services.save_manual_summary(self.request.user, self.patient, data, version)


class ExposureViewSet(SingletonViewSet):
    queryset = ExposureRecord.objects.all()
    serializer_class = ExposureRecordSerializer

    def get_object(self):
        return self.get_queryset().first() or recompute_exposures(self.patient)


class RiskAssessmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PatientScopedViewSet):
    family_readable = False
    queryset = RiskAssessment.objects.select_related("created_by", "decided_by").order_by("-created_at", "-id")
    serializer_class = RiskAssessmentSerializer
    lookup_url_kwarg = "assessment_id"
    filterset_fields = ["scheme", "source", "decision", "provisional"]
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]


class RiskDecisionViewSet(PatientScopedViewSet):
    """POST /risk/<assessment_id>/decision/: confirm the computed group or override it with a reason."""

    family_readable = False
    queryset = RiskAssessment.objects.all()
    serializer_class = RiskDecisionSerializer

    def create(self, request, assessment_id=None, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assessment = services.decide_risk(request.user, self.patient, assessment_id, **serializer.validated_data)
        return Response(RiskAssessmentSerializer(assessment).data)


class TreatmentPhaseViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, PatientScopedViewSet
):
    family_readable = False
    queryset = TreatmentPhase.objects.all()
    serializer_class = TreatmentPhaseSerializer
    lookup_url_kwarg = "phase_id"
    ordering_fields = ["id"]
    ordering = ["id"]

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data, _ = _split_version(serializer.validated_data)
        phase = services.save_phase(request.user, self.patient, data)
        return Response(self.get_serializer(phase).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        phase = self.get_object()
        serializer = self.get_serializer(phase, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data, version = _split_version(serializer.validated_data)
        version = self.version_for_write(phase, version)
        phase = services.save_phase(request.user, self.patient, data, phase=phase, expected_version=version)
        return Response(self.get_serializer(phase).data)

    def perform_destroy(self, instance):
        self.version_for_write(instance, None)  # 412 on a stale If-Match
        services.delete_phase(self.request.user, self.patient, instance)


ENTRY_FOR_READER = PolymorphicProxySerializer(
    component_name="TimelineEntryForReader",
    serializers=[TimelineEntrySerializer, FamilyEntrySerializer],
    resource_type_field_name=None,
)


def entry_reader_schema(description: str):
    """The schema of an entry list/detail whose shape depends on the reader (clinician or family)."""
    many = PolymorphicProxySerializer(
        component_name="TimelineEntryForReader",
        serializers=[TimelineEntrySerializer, FamilyEntrySerializer],
        resource_type_field_name=None,
        many=True,
    )
    return extend_schema_view(
        list=extend_schema(responses=many, description=description),
        retrieve=extend_schema(responses=ENTRY_FOR_READER),
    )


class EntryReaderMixin:
    """Timeline entries by id, newest first; families get the reduced FamilyEntry shape."""

    serializer_class = TimelineEntrySerializer
    lookup_url_kwarg = "entry_id"
    ordering_fields = ["occurred_on", "id"]
    ordering = ["-occurred_on", "-id"]

    def get_serializer_class(self):
        if getattr(self.request.user, "role", None) == Role.FAMILY:
            return FamilyEntrySerializer
        return TimelineEntrySerializer


@entry_reader_schema("Clinicians get TimelineEntry; family members FamilyEntry (released entries only).")
class TimelineEntryViewSet(
    EntryReaderMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, PatientScopedViewSet
):
    """Families may list/read (released entries only, reduced fields); clinicians read and write."""

    queryset = selectors.entries_queryset().order_by("-occurred_on", "-id")
    filterset_class = TimelineEntryFilter

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["patient"] = getattr(self, "patient", None)
        return context

    def get_queryset(self):
        qs = super().get_queryset()
        kind = self.request.query_params.get("kind")
        return qs.filter(kind=kind) if kind in EntryKind.values else qs

    def _save(self, serializer, entry=None):
        data, version = _split_version(serializer.validated_data)
        detail = data.pop("detail", None) or {}
        kind = data.pop("kind", None)
        if entry is not None:
            version = self.version_for_write(entry, version)
        return services.save_entry(
            self.request.user, self.patient, data, detail, kind=kind, entry=entry, expected_version=version
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = self._save(serializer)
        return Response(self.get_serializer(self.get_queryset().get(pk=entry.pk)).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        entry = self.get_object()
        serializer = self.get_serializer(entry, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        if "kind" in serializer.validated_data and serializer.validated_data["kind"] != entry.kind:
            raise ValidationError({"kind": ["The type of an entry cannot change; delete it and add a new one."]})
        self._save(serializer, entry)
        return Response(self.get_serializer(self.get_queryset().get(pk=entry.pk)).data)

    def perform_destroy(self, instance):
        self.version_for_write(instance, None)  # 412 on a stale If-Match
        services.delete_entry(self.request.user, self.patient, instance)


@entry_reader_schema(
    "MRD results of this child (timeline entries of kind mrd): clinicians get TimelineEntry; "
    "family members FamilyEntry (released results only)."
)
class MrdEntryViewSet(EntryReaderMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, PatientScopedViewSet):
    """Read-only MRD results: the MRD timeline entries, through the same policy, audit and shapes as the timeline."""

    queryset = selectors.entries_queryset().filter(kind=EntryKind.MRD).order_by("-occurred_on", "-id")
    filterset_class = MrdEntryFilter
