"""Clinician forms for the clinical record. They only parse input; services validate and save."""

from __future__ import annotations

from django import forms
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from patients.models import (
    DETAIL_MODELS,
    Diagnosis,
    Drug,
    GeneticMarker,
    ManualTreatmentSummary,
    PredispositionSyndrome,
    TimelineEntry,
    TreatmentPhase,
    TreatmentPlan,
)
from patients.models.base import RELEASE_FIELDS
from patients.models.diagnosis import DIAGNOSIS_FIELDS
from patients.models.exposures import MANUAL_SUMMARY_FIELDS
from patients.models.patient import Sex
from patients.models.risk import Decision
from patients.models.timeline import ENTRY_FIELDS, PHASE_FIELDS, PLAN_FIELDS, SUBTYPES

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class DiagnosisForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    genetic_markers = forms.ModelMultipleChoiceField(
        GeneticMarker.objects.filter(active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Genetics of the leukaemia cells"),
    )
    predisposition_syndromes = forms.ModelMultipleChoiceField(
        PredispositionSyndrome.objects.filter(active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Inherited predisposition"),
    )

    class Meta:
        model = Diagnosis
        fields = DIAGNOSIS_FIELDS
        widgets = {"diagnosed_on": DATE, "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, patient=None, **kwargs):
        super().__init__(*args, **kwargs)
        if patient is not None and not applies_testicular(patient):
            # Not asked for a girl; the service leaves the stored value (False) as it is.
            del self.fields["testicular_involvement"]


def applies_testicular(patient) -> bool:
    """Testicular involvement is asked for every child who is not recorded as female."""
    return patient.sex != Sex.FEMALE


class PlanForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = TreatmentPlan
        fields = PLAN_FIELDS
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class PhaseForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = TreatmentPhase
        fields = PHASE_FIELDS
        widgets = {f: DATE for f in ["planned_start", "planned_end", "actual_start", "actual_end"]}


class ManualSummaryForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = ManualTreatmentSummary
        fields = MANUAL_SUMMARY_FIELDS
        widgets = {"therapy_start": DATE, "therapy_end": DATE, "notes": forms.Textarea(attrs={"rows": 3})}


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[(Decision.CONFIRMED, _("Confirm")), (Decision.OVERRIDDEN, _("Override"))]
    )
    group = forms.ChoiceField(label=_("Group (when overriding)"), required=False, choices=[])
    reason = forms.CharField(
        label=_("Reason (required to override)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [("", "—")] + [(g, g.replace("_", " ").capitalize()) for g in groups]


KIND_BASE_FIELDS = {
    # Which shared fields each kind shows (all get title, notes and the release fields).
    "chemo": ["occurred_on", "ends_on", "phase"],
    "lumbar_puncture": ["occurred_on", "phase", "result"],
    "bone_marrow": ["occurred_on", "phase", "result"],
    "mrd": ["occurred_on", "phase"],
    "lab": ["occurred_on"],
    "imaging": ["occurred_on", "result"],
    "radiation": ["occurred_on", "ends_on", "phase"],
    "procedure": ["occurred_on", "subtype"],
    "transplant": ["occurred_on", "subtype", "result"],
    "transfusion": ["occurred_on"],
    "admission": ["occurred_on", "ends_on"],
    "adverse_event": ["occurred_on", "ends_on", "phase"],
    "milestone": ["occurred_on", "subtype"],
    "appointment": ["occurred_on"],
    "note": ["occurred_on"],
}


def entry_form_class(kind: str, patient) -> type[forms.Form]:
    """One form per entry kind: the shared fields it uses, its detail table's fields, release settings."""
    base_names = [*KIND_BASE_FIELDS[kind], "title", "notes", *RELEASE_FIELDS]
    fields = fields_for_model(
        TimelineEntry,
        fields=base_names,
        widgets={
            "occurred_on": DATE,
            "ends_on": DATE,
            "released_at": DATETIME,
            "notes": forms.Textarea(attrs={"rows": 3}),
        },
    )
    fields = {name: fields[name] for name in base_names if name in fields}
    if "phase" in fields:
        fields["phase"].queryset = TreatmentPhase.objects.filter(patient=patient)
    if "subtype" in fields:
        fields["subtype"] = forms.ChoiceField(
            label=_("Which"), choices=[("", "—"), *SUBTYPES[kind].items()], required=kind != "transplant"
        )
    if "released_at" in fields:
        fields["released_at"].help_text = _("Leave empty to release now (when released to the family).")
    detail_model = DETAIL_MODELS.get(kind)
    if detail_model is not None:
        detail_fields = fields_for_model(detail_model, exclude=["entry"])
        if "drug" in detail_fields:
            detail_fields["drug"] = forms.ModelChoiceField(Drug.objects.filter(active=True), label=_("Drug"))
        if "it_drugs" in detail_fields:
            detail_fields["it_drugs"] = forms.ModelMultipleChoiceField(
                Drug.objects.filter(active=True, drug_class__in=["antimetabolite", "corticosteroid"]),
                required=False,
                widget=forms.CheckboxSelectMultiple,
                label=_("Intrathecal drugs"),
            )
        # Detail fields go right after the date fields.
        ordered = {}
        for name, field in fields.items():
            ordered[name] = field
            if name == ("ends_on" if "ends_on" in fields else "occurred_on"):
                ordered.update(detail_fields)
        fields = ordered
        detail_names = list(detail_fields)
    else:
        detail_names = []
    attrs = dict(fields)
    attrs["detail_names"] = detail_names
    attrs["base_names"] = [n for n in fields if n not in detail_names]
    return type(f"{kind.title().replace('_', '')}EntryForm", (VersionedForm,), attrs)


def entry_initial(entry: TimelineEntry) -> dict:
    initial = {name: getattr(entry, name) for name in ENTRY_FIELDS}
    initial["phase"] = entry.phase_id
    initial["version"] = entry.version
    detail = entry.detail
    if detail is not None:
        for field in detail._meta.concrete_fields:
            if field.name != "entry":
                initial[field.name] = getattr(detail, field.attname)
        for field in detail._meta.many_to_many:
            initial[field.name] = list(getattr(detail, field.name).all())
    return initial
