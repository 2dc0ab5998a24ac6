"""From the stored record to the pure risk engine's inputs and settings."""

from __future__ import annotations

from patients.models import Diagnosis, EntryKind, GeneticMarker, Patient, RiskSchemeConfig, TimelineEntry
from patients.risk import Mrd, RiskInputs, SchemeConfig

HYPERDIPLOIDY_CODE = "HIGH_HYPERDIPLOIDY"


def active_config() -> RiskSchemeConfig:
    """The active centre settings; an unsaved default (COG AALL08B1) if an admin deactivated all."""
    return RiskSchemeConfig.objects.filter(active=True).first() or RiskSchemeConfig(
        name="Default", scheme="cog_aall08b1"
    )


def _mrd_results(patient: Patient) -> tuple[tuple[str, Mrd], ...]:
    """The latest MRD result per timepoint (by date, then entry id)."""
    latest: dict[str, Mrd] = {}
    entries = (
        TimelineEntry.objects.filter(patient=patient, kind=EntryKind.MRD, mrd__isnull=False)
        .select_related("mrd")
        .order_by("occurred_on", "id")
    )
    for entry in entries:
        m = entry.mrd
        latest[m.timepoint] = Mrd(
            value_pct=None if m.value_pct is None else float(m.value_pct),
            negative_below_pct=None if m.negative_below_pct is None else float(m.negative_below_pct),
        )
    return tuple(sorted(latest.items()))


def build_inputs(patient: Patient, diagnosis: Diagnosis | None, config: RiskSchemeConfig) -> RiskInputs:
    mrd = _mrd_results(patient)
    if diagnosis is None:
        return RiskInputs(genetics_pending=True, mrd=mrd)
    rows = list(diagnosis.genetic_markers.all())
    markers = {m.code: m.classification for m in rows}
    names = {m.code: m.name for m in rows}
    if diagnosis.dna_index is not None and diagnosis.dna_index >= config.dna_index_hyperdiploid_min:
        hyper = GeneticMarker.objects.filter(code=HYPERDIPLOIDY_CODE).first()
        if hyper is not None:
            markers[hyper.code] = hyper.classification
            names[hyper.code] = f"{hyper.name} (DNA index {diagnosis.dna_index})"
    cns, _ = diagnosis.effective_cns()
    return RiskInputs(
        age_years=diagnosis.age_at_diagnosis,
        lineage=diagnosis.lineage or None,
        wbc_per_ul=diagnosis.wbc_per_ul,
        cns_status=cns,
        testicular=diagnosis.testicular_involvement,
        steroid_pretreatment=diagnosis.steroid_pretreatment,
        induction_failure=diagnosis.induction_failure,
        genetics=tuple(sorted(markers.items())),
        genetics_pending=not diagnosis.genetics_complete,
        mrd=mrd,
        marker_names=tuple(sorted(names.items())),
    )


def engine_config(config: RiskSchemeConfig) -> SchemeConfig:
    return config.to_engine()
