"""Serializers of the clinical record API. They parse and shape; services validate and save."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from patients.models import (
    DETAIL_MODELS,
    Diagnosis,
    EntryKind,
    ExposureRecord,
    GeneticMarker,
    ManualTreatmentSummary,
    PredispositionSyndrome,
    RiskAssessment,
    TimelineEntry,
    TreatmentPhase,
    TreatmentPlan,
)
from patients.models.diagnosis import DIAGNOSIS_FIELDS
from patients.models.exposures import MANUAL_SUMMARY_FIELDS
from patients.models.risk import GROUP_CHOICES, Decision
from patients.models.timeline import ENTRY_FIELDS, PHASE_FIELDS, PLAN_FIELDS

VERSION_HELP = "The version you loaded; a stale one gets 409."


class DiagnosisSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(required=False, help_text=VERSION_HELP)
    genetic_markers = serializers.SlugRelatedField(
        slug_field="code", many=True, required=False, queryset=GeneticMarker.objects.filter(active=True)
    )
    predisposition_syndromes = serializers.SlugRelatedField(
        slug_field="code", many=True, required=False, queryset=PredispositionSyndrome.objects.filter(active=True)
    )
    age_at_diagnosis_years = serializers.FloatField(read_only=True, allow_null=True)
    effective_cns_status = serializers.CharField(
        read_only=True, allow_null=True, help_text="Null until the CNS inputs allow a status."
    )
    effective_cns_reason = serializers.CharField(read_only=True)

    class Meta:
        model = Diagnosis
        fields = [
            "id",
            *DIAGNOSIS_FIELDS,
            "age_at_diagnosis_years",
            "wbc_per_ul",
            "effective_cns_status",
            "effective_cns_reason",
            "version",
        ]
        read_only_fields = ["id", "wbc_per_ul"]


class RiskAssessmentSerializer(serializers.ModelSerializer):
    headline = serializers.CharField(
        read_only=True, help_text="The group, or 'pending' with the groups still possible and the missing inputs."
    )
    decided_by = serializers.StringRelatedField(allow_null=True, help_text="Null until a clinician decides.")
    created_by = serializers.StringRelatedField(allow_null=True)
    # A stored assessment may have no group yet (""), e.g. while inputs are missing.
    group = serializers.ChoiceField(choices=GROUP_CHOICES, allow_blank=True, read_only=True)
    decided_group = serializers.ChoiceField(choices=GROUP_CHOICES, allow_blank=True, read_only=True)

    class Meta:
        model = RiskAssessment
        fields = [
            "id",
            "created_at",
            "created_by",
            "scheme",
            "scheme_version",
            "source",
            "inputs",
            "headline",
            "group",
            "provisional",
            "missing",
            "reasons",
            "possible_groups",
            "decision",
            "decided_group",
            "decision_reason",
            "decided_by",
            "decided_at",
        ]
        read_only_fields = fields


class RiskDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[Decision.CONFIRMED, Decision.OVERRIDDEN])
    group = serializers.CharField(required=False, allow_blank=True, default="", max_length=40)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)


class TreatmentPlanSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(required=False, help_text=VERSION_HELP)

    class Meta:
        model = TreatmentPlan
        fields = ["id", *PLAN_FIELDS, "version"]
        read_only_fields = ["id"]


class TreatmentPhaseSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(required=False, help_text=VERSION_HELP)
    name = serializers.CharField(read_only=True)

    class Meta:
        model = TreatmentPhase
        fields = ["id", *PHASE_FIELDS, "name", "version"]
        read_only_fields = ["id"]
        validators = []  # the service checks dates against the child (field errors, nothing saved)


def detail_dict(entry: TimelineEntry) -> dict | None:
    """The entry's typed detail as plain data (drugs by code)."""
    detail = entry.detail
    if detail is None:
        return None
    data = {}
    for field in detail._meta.concrete_fields:
        if field.name == "entry":
            continue
        value = getattr(detail, field.name)
        if field.name == "drug":
            value = value.code
        data[field.name] = str(value) if hasattr(value, "as_tuple") else value
    for field in detail._meta.many_to_many:
        data[field.name] = [d.code for d in getattr(detail, field.name).all()]
    return data


@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "additionalProperties": True,
        "description": "Typed fields of the entry's kind, e.g. drug, dose (null for kinds without detail).",
    }
)
class EntryDetailField(serializers.DictField):
    """Written as a dict of the kind's fields; read back as detail_dict() of the stored entry."""

    def get_attribute(self, instance):
        return detail_dict(instance)

    def to_representation(self, value):
        return value


class TimelineEntrySerializer(serializers.ModelSerializer):
    """Clinician view and write shape. `detail` carries the kind's typed fields (see DETAIL_MODELS)."""

    version = serializers.IntegerField(required=False, help_text=VERSION_HELP)
    kind = serializers.ChoiceField(choices=EntryKind.choices)
    detail = EntryDetailField(required=False, allow_null=True)
    phase = serializers.PrimaryKeyRelatedField(queryset=TreatmentPhase.objects.all(), required=False, allow_null=True)

    class Meta:
        model = TimelineEntry
        fields = ["id", "kind", *ENTRY_FIELDS, "detail", "created_at", "version"]
        read_only_fields = ["id", "created_at"]
        validators = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        patient = self.context.get("patient")
        if patient is not None:  # only this child's phases (no probing of other children's ids)
            self.fields["phase"].queryset = TreatmentPhase.objects.filter(patient=patient)

    def validate_detail(self, value):
        kind = self.initial_data.get("kind") or getattr(self.instance, "kind", None)
        if value and kind not in DETAIL_MODELS:
            raise serializers.ValidationError("This entry type has no typed detail.")
        return value


class FamilyEntrySerializer(serializers.ModelSerializer):
    """What a family sees of a released entry: no clinician notes, no authoring details."""

    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    subtype_label = serializers.CharField(source="get_subtype_display", read_only=True)
    summary = serializers.SerializerMethodField()

    class Meta:
        model = TimelineEntry
        fields = ["id", "kind", "kind_label", "occurred_on", "ends_on", "title", "subtype_label", "result", "summary"]
        read_only_fields = fields

    def get_summary(self, entry) -> str:
        if entry.kind == EntryKind.CHEMO and hasattr(entry, "chemo"):
            return entry.chemo.drug.name
        if entry.kind == EntryKind.MRD and hasattr(entry, "mrd"):
            return entry.mrd.display
        if entry.kind == EntryKind.LAB and hasattr(entry, "lab"):
            return f"{entry.lab.test_name}: {entry.lab.value} {entry.lab.unit}".strip()
        if entry.kind == EntryKind.NOTE:
            return entry.notes  # a released note is written for the family
        return ""


class ExposureRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExposureRecord
        fields = [*ExposureRecord.SUMMARY_FIELDS, "rules_version", "ced_version", "warnings", "computed_at"]
        read_only_fields = fields


class ManualSummarySerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(required=False, help_text=VERSION_HELP)

    class Meta:
        model = ManualTreatmentSummary
        fields = ["id", *MANUAL_SUMMARY_FIELDS, "version"]
        read_only_fields = ["id"]
