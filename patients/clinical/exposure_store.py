"""Turning the stored record into exposures and back: the Django side of the exposure calculation.

recompute_exposures() is called by the clinical services after every change that can move an
exposure (timeline entries, phases, diagnosis, manual summary). It stores one ExposureRecord per
child and then sends `exposures_changed` (inside the caller's transaction: receivers that enqueue
work should use transaction.on_commit themselves). load_exposure_summary() is what late-effects reads.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from patients.clinical.signals import exposures_changed
from patients.exposures.calculate import (
    ChemoGiven,
    ExposureRules,
    RadiationGiven,
    TransfusionGiven,
    TreatmentFacts,
    combine,
    manual_summary,
    summarise,
)
from patients.exposures.summary import ExposureSummary
from patients.models import (
    CedFormula,
    Diagnosis,
    EntryKind,
    ExposureRecord,
    ExposureRuleSet,
    ManualTreatmentSummary,
    Patient,
    TimelineEntry,
    TreatmentPhase,
)

# The entry kinds the exposure summary reads: saving one of them recomputes exposures.
EXPOSURE_KINDS = frozenset(
    {
        EntryKind.CHEMO,
        EntryKind.LUMBAR_PUNCTURE,
        EntryKind.RADIATION,
        EntryKind.TRANSFUSION,
        EntryKind.TRANSPLANT,
        EntryKind.MILESTONE,
    }
)

ANTHRACYCLINE_FIELDS = ("doxorubicin", "daunorubicin", "epirubicin", "idarubicin", "mitoxantrone")
# The manual summary's alkylator doses (field <code>_mg_m2), the agents of the CED formula (Green 2014).
ALKYLATOR_FIELDS = (
    "cyclophosphamide",
    "ifosfamide",
    "procarbazine",
    "chlorambucil",
    "carmustine",
    "lomustine",
    "melphalan",
    "thiotepa",
    "mechlorethamine",
    "busulfan",
)


def active_rules() -> ExposureRules:
    rule_set = ExposureRuleSet.objects.filter(active=True).prefetch_related("factors__drug").first()
    if rule_set is None:
        raise ExposureRuleSet.DoesNotExist("No active exposure rule set: activate one in the admin.")
    formula = CedFormula.objects.filter(active=True).prefetch_related("factors__drug").first()
    return ExposureRules(
        ced_version=formula.version if formula else "",
        ced_factors={f.drug.code: float(f.factor) for f in formula.factors.all()} if formula else {},
        version=rule_set.version,
        anthracycline_factors={f.drug.code: float(f.factor) for f in rule_set.factors.all()},
        high_dose_methotrexate_mg_m2=float(rule_set.high_dose_methotrexate_mg_m2),
        high_dose_cytarabine_mg_m2=float(rule_set.high_dose_cytarabine_mg_m2),
        steroid_course_min_days=rule_set.steroid_course_min_days,
    )


def _f(value):
    return None if value is None else float(value)


def treatment_facts(patient: Patient) -> TreatmentFacts:
    """Everything the calculation needs, in a fixed number of queries."""
    entries = list(
        TimelineEntry.objects.filter(
            patient=patient,
            kind__in=EXPOSURE_KINDS,
        )
        .select_related("chemo__drug", "radiation", "transfusion", "lumbar_puncture")
        .prefetch_related("lumbar_puncture__it_drugs")
        .order_by("occurred_on", "id")
    )
    chemo, it_drugs, radiation, transfusions = [], [], [], []
    hsct = False
    end_of_therapy = None
    for e in entries:
        if e.kind == EntryKind.CHEMO and hasattr(e, "chemo"):
            c = e.chemo
            chemo.append(
                ChemoGiven(
                    drug_code=c.drug.code,
                    drug_class=c.drug.drug_class,
                    given_on=e.occurred_on,
                    until=e.ends_on,
                    dose=_f(c.dose),
                    dose_unit=c.dose_unit,
                    doses=c.doses,
                    route=c.route,
                    bsa_m2=_f(c.bsa_m2),
                    weight_kg=_f(c.weight_kg),
                )
            )
        elif e.kind == EntryKind.LUMBAR_PUNCTURE and hasattr(e, "lumbar_puncture"):
            it_drugs += [d.code for d in e.lumbar_puncture.it_drugs.all()]
        elif e.kind == EntryKind.RADIATION and hasattr(e, "radiation"):
            radiation.append(RadiationGiven(e.radiation.site, float(e.radiation.total_gy), e.occurred_on))
        elif e.kind == EntryKind.TRANSFUSION and hasattr(e, "transfusion"):
            transfusions.append(TransfusionGiven(e.transfusion.product, e.occurred_on, e.transfusion.units))
        elif e.kind == EntryKind.TRANSPLANT:
            hsct = True
        elif e.kind == EntryKind.MILESTONE and e.subtype == "end_of_therapy":
            end_of_therapy = e.occurred_on
    starts = [p.actual_start for p in TreatmentPhase.objects.filter(patient=patient) if p.actual_start]
    diagnosis = Diagnosis.objects.filter(patient=patient).prefetch_related("predisposition_syndromes").first()
    syndromes = tuple(s.code for s in diagnosis.predisposition_syndromes.all()) if diagnosis else ()
    therapy_start = min(starts) if starts else (chemo[0].given_on if chemo else None)
    return TreatmentFacts(
        date_of_birth=patient.date_of_birth,
        chemo=tuple(chemo),
        intrathecal_drugs=tuple(it_drugs),
        radiation=tuple(radiation),
        transfusions=tuple(transfusions),
        hsct=hsct,
        predisposition_syndromes=syndromes,
        therapy_start=therapy_start,
        therapy_end=end_of_therapy,
    )


def summary_from_manual(manual: ManualTreatmentSummary, rules: ExposureRules) -> tuple[ExposureSummary, list[str]]:
    tbi_gy = float(manual.tbi_gy)
    return manual_summary(
        {code: float(getattr(manual, f"{code}_mg_m2")) for code in ANTHRACYCLINE_FIELDS},
        rules,
        {code: float(getattr(manual, f"{code}_mg_m2")) for code in ALKYLATOR_FIELDS},
        any_alkylator=manual.other_alkylator,
        any_corticosteroid=manual.corticosteroids or manual.corticosteroid_long_courses > 0,
        corticosteroid_long_courses=manual.corticosteroid_long_courses,
        any_vinca_alkaloid=manual.vinca_alkaloid,
        any_methotrexate=manual.methotrexate or manual.high_dose_methotrexate,
        high_dose_methotrexate=manual.high_dose_methotrexate,
        high_dose_cytarabine=manual.high_dose_cytarabine,
        any_thiopurine=manual.thiopurine,
        intrathecal_chemotherapy=manual.intrathecal_chemotherapy,
        any_asparaginase=manual.asparaginase,
        cranial_radiation_gy=float(manual.cranial_radiation_gy),
        cranial_radiation_age_years=_f(manual.cranial_radiation_age_years),
        heart_radiation_gy=float(manual.heart_radiation_gy),
        tbi=tbi_gy > 0,
        tbi_gy=tbi_gy,
        hsct=manual.hsct or tbi_gy > 0,
        red_cell_transfusions=manual.red_cell_transfusions,
        transfusion_before_1993=manual.transfusion_before_1993 or manual.transfusion_before_1972,
        transfusion_before_1972=manual.transfusion_before_1972,
        therapy_start=manual.therapy_start,
        therapy_end=manual.therapy_end,
    )


def compute_summary(patient: Patient) -> tuple[ExposureSummary, list[str], ExposureRules]:
    rules = active_rules()
    summary, warnings = summarise(treatment_facts(patient), rules)
    manual = ManualTreatmentSummary.objects.filter(patient=patient).first()
    if manual is not None:
        from_manual, more = summary_from_manual(manual, rules)
        summary, warnings = combine(from_manual, summary), warnings + more
    if summary.any_alkylator and not rules.ced_version:
        warnings.append("no active cyclophosphamide-equivalent dose formula: CED not calculated")
    return summary, warnings, rules


@transaction.atomic
def recompute_exposures(patient: Patient) -> ExposureRecord:
    """Recalculate and store the child's exposures; announce them if they changed (or are new)."""
    summary, warnings, rules = compute_summary(patient)
    previous = ExposureRecord.objects.filter(patient=patient).first()
    values = summary.as_dict()
    values.update(
        rules_version=rules.version, ced_version=rules.ced_version, warnings=warnings, computed_at=timezone.now()
    )
    record, _ = ExposureRecord.objects.update_or_create(patient=patient, defaults=values)
    if previous is None or previous.to_summary() != summary:
        exposures_changed.send(sender=ExposureSummary, patient_id=patient.pk, summary=summary)
    return record


def load_exposure_summary(patient: Patient) -> ExposureSummary:
    """The stored summary (computed and stored first if the child has none yet)."""
    record = ExposureRecord.objects.filter(patient=patient).first()
    if record is None:
        record = recompute_exposures(patient)
    return record.to_summary()
