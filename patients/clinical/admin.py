"""Django admin for the clinical record and its reference data.

Patient data uses portal.admin_base.AuditedModelAdmin (views and changes land in the audit trail).
Admin edits of entries or the diagnosis refresh the derived risk assessment and exposures, as the
services do. Reference data (markers, drugs, syndromes, exposure rule sets, risk settings) is
plain admin: no patient data.
"""

from django import forms
from django.contrib import admin

from patients.clinical import services
from patients.models import (
    AdverseEvent,
    AnthracyclineFactor,
    CedFactor,
    CedFormula,
    ChemoAdministration,
    Diagnosis,
    DoseLimit,
    Drug,
    ExposureRecord,
    ExposureRuleSet,
    GeneticMarker,
    LabResult,
    LumbarPuncture,
    ManualTreatmentSummary,
    MrdResult,
    PredispositionSyndrome,
    Radiation,
    RiskAssessment,
    RiskSchemeConfig,
    TimelineEntry,
    Transfusion,
    TreatmentPhase,
    TreatmentPlan,
)
from patients.units import wbc_to_per_ul
from portal.admin_base import AuditedModelAdmin


class RefreshDerivedMixin:
    """After an admin save, recompute the risk assessment and exposures like the services do."""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.refresh_derived(request.user, form.instance.patient)

    def delete_model(self, request, obj):
        patient = obj.patient
        super().delete_model(request, obj)
        services.refresh_derived(request.user, patient)


@admin.register(GeneticMarker)
class GeneticMarkerAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "classification", "active")
    list_filter = ("classification", "active")
    search_fields = ("name", "code")


@admin.register(PredispositionSyndrome)
class PredispositionSyndromeAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "active")
    search_fields = ("name", "code")


@admin.register(Drug)
class DrugAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "drug_class", "active")
    list_filter = ("drug_class", "active")
    search_fields = ("name", "code")


class AnthracyclineFactorInline(admin.TabularInline):
    model = AnthracyclineFactor
    extra = 0
    autocomplete_fields = ()


@admin.action(description="Recalculate every child's risk and exposures with the active settings")
def recalculate_all(modeladmin, request, queryset):
    count = services.refresh_all(request.user)
    modeladmin.message_user(request, f"Recalculated {count} patient record(s).")


@admin.register(ExposureRuleSet)
class ExposureRuleSetAdmin(admin.ModelAdmin):
    list_display = ("version", "active", "source", "created_at")
    inlines = [AnthracyclineFactorInline]
    actions = [recalculate_all]


class CedFactorInline(admin.TabularInline):
    model = CedFactor
    extra = 0


@admin.register(CedFormula)
class CedFormulaAdmin(admin.ModelAdmin):
    """Cyclophosphamide-equivalent dose factors per alkylating agent; add a version to adopt a new source."""

    list_display = ("version", "active", "source", "created_at")
    inlines = [CedFactorInline]
    actions = [recalculate_all]


@admin.register(DoseLimit)
class DoseLimitAdmin(admin.ModelAdmin):
    """Typical per-dose ranges: a dose outside its range is saved only with a confirmation and a reason."""

    list_display = ("drug", "route", "basis", "amount", "low", "high", "cap_mg", "active")
    list_filter = ("basis", "route", "active")
    list_select_related = ("drug",)
    search_fields = ("drug__name", "drug__code", "source")


@admin.register(RiskSchemeConfig)
class RiskSchemeConfigAdmin(admin.ModelAdmin):
    list_display = ("name", "scheme", "active", "sr_age_min_years", "sr_age_max_years", "wbc_cutoff_per_ul")
    list_filter = ("scheme", "active")
    actions = [recalculate_all]


@admin.register(Diagnosis)
class DiagnosisAdmin(RefreshDerivedMixin, AuditedModelAdmin):
    list_display = ("patient", "diagnosed_on", "lineage", "cns_status")
    list_select_related = ("patient",)
    raw_id_fields = ("patient",)
    filter_horizontal = ("genetic_markers", "predisposition_syndromes")
    readonly_fields = ("wbc_per_ul",)

    def save_model(self, request, obj, form, change):
        obj.wbc_per_ul = None if obj.wbc_value is None else wbc_to_per_ul(obj.wbc_value, obj.wbc_unit)
        super().save_model(request, obj, form, change)


@admin.register(RiskAssessment)
class RiskAssessmentAdmin(AuditedModelAdmin):
    list_display = ("patient", "created_at", "scheme", "headline", "provisional", "decision", "decided_group")
    list_filter = ("scheme", "group", "decision")
    list_select_related = ("patient",)
    readonly_fields = [f.name for f in RiskAssessment._meta.fields]

    def has_add_permission(self, request):
        return False  # assessments come from the engine, never typed in


@admin.register(TreatmentPlan)
class TreatmentPlanAdmin(AuditedModelAdmin):
    list_display = ("patient", "protocol", "arm")
    list_select_related = ("patient",)
    raw_id_fields = ("patient",)


@admin.register(TreatmentPhase)
class TreatmentPhaseAdmin(RefreshDerivedMixin, AuditedModelAdmin):
    list_display = ("patient", "key", "custom_name", "actual_start", "actual_end")
    list_select_related = ("patient",)
    raw_id_fields = ("patient",)


class ChemoAdministrationAdminForm(forms.ModelForm):
    """The admin keeps the dose checks of the clinical forms and the API (one rule, in the service)."""

    def _post_clean(self):
        super()._post_clean()
        for field, messages in services.dose_problems(self.instance, self.cleaned_data).items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)


def _detail_inline(detail_model, form=forms.ModelForm):
    return type(
        f"{detail_model.__name__}Inline",
        (admin.StackedInline,),
        {"model": detail_model, "form": form, "extra": 1, "max_num": 1, "can_delete": False},
    )


DETAIL_INLINES = {
    "chemo": _detail_inline(ChemoAdministration, ChemoAdministrationAdminForm),
    "lumbar_puncture": _detail_inline(LumbarPuncture),
    "mrd": _detail_inline(MrdResult),
    "lab": _detail_inline(LabResult),
    "radiation": _detail_inline(Radiation),
    "transfusion": _detail_inline(Transfusion),
    "adverse_event": _detail_inline(AdverseEvent),
}


@admin.register(TimelineEntry)
class TimelineEntryAdmin(RefreshDerivedMixin, AuditedModelAdmin):
    list_display = ("patient", "occurred_on", "kind", "title", "visibility", "confidential")
    list_filter = ("kind", "visibility")
    list_select_related = ("patient",)
    raw_id_fields = ("patient", "phase")
    date_hierarchy = "occurred_on"

    def get_inlines(self, request, obj):
        """Only the detail form of the entry's own kind (choose the kind and save first)."""
        inline = DETAIL_INLINES.get(obj.kind) if obj is not None else None
        return [inline] if inline else []


@admin.register(ExposureRecord)
class ExposureRecordAdmin(AuditedModelAdmin):
    list_display = ("patient", "anthracycline_dox_eq_mg_m2", "cyclophosphamide_mg_m2", "source", "computed_at")
    list_select_related = ("patient",)
    readonly_fields = [f.name for f in ExposureRecord._meta.fields]

    def has_add_permission(self, request):
        return False  # derived: edit the timeline or the manual summary instead


@admin.register(ManualTreatmentSummary)
class ManualTreatmentSummaryAdmin(RefreshDerivedMixin, AuditedModelAdmin):
    list_display = ("patient", "treating_centre", "therapy_start", "therapy_end")
    list_select_related = ("patient",)
    raw_id_fields = ("patient",)
