"""seed_demo step: a realistic clinical record for a bounded set of demo children (invented data only).

Why a separate step: the core seed (portal.services.demo_data) writes 10,000 children with bulk
inserts; a clinical record instead goes through the real services (patients.clinical.services,
patients.late_effects.services, education.services), so every value is validated, every write is
audited, and what is derived (risk assessment, exposures, late-effects care plan) is computed by
the same code as in production. That is slow per child, so only these children get a record:
* the family@example.org child: high-risk B-ALL, now in maintenance, with a full timeline;
* among clinician@example.org's children: the first two survivors (off therapy or in long-term
  follow-up, aged 7+): one from another centre's treatment summary (300 mg/m² doxorubicin
  equivalent), one from a complete recorded timeline; both care plans released to the family;
* up to eight more of clinician@example.org's children on therapy, at different points of treatment.

The regimen follows the shape of a COG high-risk B-ALL protocol (induction with daunorubicin,
augmented BFM consolidation, high-dose methotrexate interim maintenance, delayed intensification
with doxorubicin, 12-week maintenance cycles) as outlined in Teachey et al., Blood 2020;137:168 and
COG AALL0232/AALL1731 publications; doses are illustrative, not a treatment reference.

Idempotent: a child that already has a diagnosis or a treatment summary is left as it is (its record
was written in one transaction); the family's questions and the shared page are added only if none
exist. Deterministic for a given day: dates are offsets from today and choices come from the seed.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from education import services as education
from education.models import FamilyQuestion, Page, PageShare
from patients.ages import age_on
from patients.clinical import services as clinical
from patients.late_effects import services as late_effects
from patients.late_effects.engine import add_months
from patients.late_effects.models import CarePlan
from patients.models import Diagnosis, GeneticMarker, ManualTreatmentSummary, Patient
from patients.units import mosteller_bsa
from portal.accounts.models import User
from portal.care import access
from portal.services import demo_data

MAX_ON_THERAPY_OTHERS = 8
SURVIVOR_MIN_AGE_YEARS = 7
SURVIVOR_STATUSES = ("off_therapy", "ltfu")
ON_THERAPY_STATUSES = ("on_therapy", "relapsed")
# Days since diagnosis of the other on-therapy children: a spread across the phases.
ON_THERAPY_DAYS_SINCE_DIAGNOSIS = (12, 50, 110, 175, 260, 420, 600, 800)
FAMILY_CHILD_DAYS_SINCE_DIAGNOSIS = 330

FAMILY_QUESTIONS = (
    "How long will maintenance last, and what happens at the end of treatment?",
    "Can Maya go back to school full time during maintenance?",
    "Which fevers should make us call the clinic at night?",
    "Does the doxorubicin she had mean she needs heart check-ups later?",
)
SHARED_PAGE_NOTE = "A short read about the maintenance phase, as we discussed at clinic."


# --- The regimen, as data: (phase, day within phase, kind, fields, detail) -------------------------


@dataclass
class Course:
    """A child's treatment course: phase start dates derived from the diagnosis date."""

    diagnosed_on: date
    height_cm: Decimal
    weight_kg: Decimal
    it_mtx_mg: int
    phases: dict[str, tuple[date, date]] = field(default_factory=dict)

    def __post_init__(self):
        induction = self.diagnosed_on + timedelta(days=1)
        consolidation = induction + timedelta(days=35)
        interim = consolidation + timedelta(days=63)
        delayed = interim + timedelta(days=63)
        maintenance = delayed + timedelta(days=56)
        # COG: two years of therapy counted from the start of interim maintenance.
        end = interim + timedelta(days=730)
        self.phases = {
            "induction": (induction, induction + timedelta(days=28)),
            "consolidation": (consolidation, consolidation + timedelta(days=55)),
            "interim_maintenance": (interim, interim + timedelta(days=55)),
            "delayed_intensification": (delayed, delayed + timedelta(days=49)),
            "maintenance": (maintenance, end),
        }

    @property
    def therapy_end(self) -> date:
        return self.phases["maintenance"][1]

    def day(self, phase: str, n: int) -> date:
        return self.phases[phase][0] + timedelta(days=n - 1)


def _chemo(drug, dose, *, unit="mg_m2", doses=1, route="iv", days=None, title=""):
    detail = {"drug": drug, "dose": dose, "dose_unit": unit, "doses": doses, "route": route}
    return ("chemo", {"title": title}, detail, days)


def _lp(title, drugs=("methotrexate",)):
    return ("lumbar_puncture", {"title": title}, {"it_drugs": list(drugs), "csf_wbc_per_ul": 1}, None)


def regimen(course: Course) -> list[tuple[str, int, tuple]]:
    """(phase, day, entry spec) for the whole treatment, in order."""
    it = f"Intrathecal methotrexate {course.it_mtx_mg} mg"
    steps: list[tuple[str, int, tuple]] = [
        ("induction", 1, ("procedure", {"subtype": "central_line_placed", "title": "Port placed"}, {}, None)),
        ("induction", 1, _lp("Diagnostic lumbar puncture, intrathecal cytarabine", ("cytarabine",))),
        ("induction", 1, _chemo("vincristine", "1.5", doses=4, days=21, title="Vincristine weekly ×4")),
        ("induction", 1, _chemo("dexamethasone", "10", doses=14, route="oral", days=13, title="Dexamethasone")),
        ("induction", 1, _chemo("daunorubicin", "25", title="Daunorubicin dose 1 of 4")),
        ("induction", 4, _chemo("pegaspargase", "2500", unit="units_m2", title="Pegaspargase")),
        ("induction", 8, _chemo("daunorubicin", "25", title="Daunorubicin dose 2 of 4")),
        ("induction", 8, _lp(it)),
        (
            "induction",
            8,
            (
                "mrd",
                {"title": "Day 8 blood MRD", "visibility": "clinician"},  # discussed at the next visit first
                {"timepoint": "day8", "sample": "blood", "method": "flow"},
                None,
            ),
        ),
        (
            "induction",
            10,
            ("admission", {"title": "Admitted with fever and low neutrophils", "ends_days": 4}, {}, None),
        ),
        (
            "induction",
            10,
            (
                "adverse_event",
                {"title": "Febrile neutropenia"},
                {"ctcae_term": "Febrile neutropenia", "grade": 3},
                None,
            ),
        ),
        ("induction", 12, ("transfusion", {"title": "Red cell transfusion"}, {"product": "red_cells"}, None)),
        (
            "induction",
            12,
            (
                "lab",
                {"title": "Neutrophil count", "visibility": "clinician"},
                {"test_name": "ANC", "value": "0.2"},
                None,
            ),
        ),
        ("induction", 15, _chemo("daunorubicin", "25", title="Daunorubicin dose 3 of 4")),
        ("induction", 22, _chemo("daunorubicin", "25", title="Daunorubicin dose 4 of 4")),
        ("induction", 29, ("bone_marrow", {"title": "End-of-induction bone marrow", "result": "M1 marrow"}, {}, None)),
        (
            "induction",
            29,
            (
                "mrd",
                {"title": "End-of-induction marrow MRD"},
                {"timepoint": "day29", "sample": "marrow", "method": "flow", "negative_below_pct": "0.01"},
                None,
            ),
        ),
        ("induction", 29, _lp(it)),
        ("induction", 29, ("milestone", {"subtype": "remission", "title": "Remission"}, {}, None)),
        ("consolidation", 1, _chemo("cyclophosphamide", "1000", title="Cyclophosphamide")),
        ("consolidation", 1, _chemo("cytarabine", "75", doses=8, days=11, title="Cytarabine 4-day blocks ×2")),
        (
            "consolidation",
            1,
            _chemo("mercaptopurine", "60", doses=14, route="oral", days=13, title="Mercaptopurine days 1–14"),
        ),
        ("consolidation", 1, _lp(it)),
        ("consolidation", 15, _chemo("vincristine", "1.5", doses=2, days=7, title="Vincristine ×2")),
        ("consolidation", 15, _lp(it)),
        ("consolidation", 29, _chemo("cyclophosphamide", "1000", title="Cyclophosphamide")),
        (
            "consolidation",
            29,
            _chemo("mercaptopurine", "60", doses=14, route="oral", days=13, title="Mercaptopurine days 29–42"),
        ),
        ("interim_maintenance", 1, _chemo("methotrexate", "5", unit="g_m2", title="High-dose methotrexate 1 of 4")),
        ("interim_maintenance", 1, _lp(it)),
        ("interim_maintenance", 15, _chemo("methotrexate", "5", unit="g_m2", title="High-dose methotrexate 2 of 4")),
        ("interim_maintenance", 29, _chemo("methotrexate", "5", unit="g_m2", title="High-dose methotrexate 3 of 4")),
        ("interim_maintenance", 29, _lp(it)),
        ("interim_maintenance", 43, _chemo("methotrexate", "5", unit="g_m2", title="High-dose methotrexate 4 of 4")),
        ("delayed_intensification", 1, _chemo("doxorubicin", "25", title="Doxorubicin dose 1 of 3")),
        (
            "delayed_intensification",
            1,
            _chemo("dexamethasone", "10", doses=14, route="oral", days=20, title="Dexamethasone days 1–7 and 15–21"),
        ),
        ("delayed_intensification", 1, _lp(it)),
        ("delayed_intensification", 4, _chemo("pegaspargase", "2500", unit="units_m2", title="Pegaspargase")),
        ("delayed_intensification", 8, _chemo("doxorubicin", "25", title="Doxorubicin dose 2 of 3")),
        ("delayed_intensification", 15, _chemo("doxorubicin", "25", title="Doxorubicin dose 3 of 3")),
        ("delayed_intensification", 29, _chemo("cyclophosphamide", "1000", title="Cyclophosphamide")),
        (
            "delayed_intensification",
            29,
            _chemo("thioguanine", "60", doses=14, route="oral", days=13, title="Thioguanine days 29–42"),
        ),
        ("delayed_intensification", 29, _lp(it)),
    ]
    start, end = course.phases["maintenance"]
    cycle = 0
    while start + timedelta(days=84 * cycle) <= end:
        d = 1 + 84 * cycle
        cycle += 1
        steps += [
            ("maintenance", d, _lp(f"{it} (maintenance cycle {cycle})")),
            ("maintenance", d, _chemo("vincristine", "1.5", title=f"Vincristine pulse, cycle {cycle}")),
            (
                "maintenance",
                d,
                _chemo(
                    "dexamethasone", "3", doses=10, route="oral", days=4, title=f"Dexamethasone pulse, cycle {cycle}"
                ),
            ),
            (
                "maintenance",
                d,
                _chemo(
                    "mercaptopurine",
                    "75",
                    doses=84,
                    route="oral",
                    days=83,
                    title=f"Daily mercaptopurine, cycle {cycle}",
                ),
            ),
            (
                "maintenance",
                d,
                _chemo(
                    "methotrexate",
                    "20",
                    doses=12,
                    route="oral",
                    days=83,
                    title=f"Weekly oral methotrexate, cycle {cycle}",
                ),
            ),
        ]
    return steps


# --- Writing one child's record ----------------------------------------------------------------------


def _size(patient: Patient, on: date) -> tuple[Decimal, Decimal, int]:
    """Height, weight and intrathecal methotrexate dose (COG age bands) for the child's age on a day."""
    age = age_on(patient.date_of_birth, on)
    height = min(Decimal("76") + Decimal(str(round(6.2 * age.in_years, 1))), Decimal("168"))
    weight = min(Decimal("9") + Decimal(str(round(2.3 * age.in_years, 1))), Decimal("62"))
    it_mg = 8 if not age.reached(2) else 10 if not age.reached(3) else 12 if not age.reached(9) else 15
    return height, weight, it_mg


def _diagnose(user, patient: Patient, rng: random.Random, diagnosed_on: date, *, family_child: bool) -> None:
    if family_child:
        markers, wbc = ["ETV6_RUNX1"], Decimal("62.4")  # NCI high risk by white count, favourable genetics
    else:
        markers = rng.choice([["ETV6_RUNX1"], ["HIGH_HYPERDIPLOIDY"], [], ["TCF3_PBX1"]])
        wbc = Decimal(str(round(rng.uniform(3, 90), 1)))
    clinical.save_diagnosis(
        user,
        patient,
        {
            "diagnosed_on": diagnosed_on,
            "lineage": "B",
            "wbc_value": wbc,
            "wbc_unit": "e9_per_l",
            "cns_status": "CNS1",
            "genetics_complete": True,
            "dna_index": Decimal("1.00") if "HIGH_HYPERDIPLOIDY" not in markers else Decimal("1.18"),
            "genetic_markers": list(GeneticMarker.objects.filter(code__in=markers)),
        },
    )


def _record_timeline(user, patient: Patient, course: Course, today: date, *, mrd_day8: str) -> None:
    phases = {}
    for key, (start, end) in course.phases.items():
        data = {"key": key, "planned_start": start, "planned_end": end}
        if start <= today:
            data["actual_start"] = start
        if end < today:
            data["actual_end"] = end
        phases[key] = clinical.save_phase(user, patient, data)
    for phase, n, (kind, data, detail, days) in regimen(course):
        on = course.day(phase, n)
        if on > today:
            continue
        data = dict(data)
        detail = dict(detail)
        ends_days = data.pop("ends_days", None) or days
        entry = {
            "occurred_on": on,
            "phase": phases[phase],
            "visibility": data.pop("visibility", "released"),
            **data,
        }
        if ends_days:
            entry["ends_on"] = on + timedelta(days=ends_days)
        if kind == "chemo":
            detail.update(height_cm=course.height_cm, weight_kg=course.weight_kg)
            detail.update(_capped(detail))
        if kind == "mrd" and detail["timepoint"] == "day8":
            detail["value_pct"] = mrd_day8
        clinical.save_entry(user, patient, entry, detail, kind=kind)


VINCRISTINE_CAP_MG = Decimal("2")  # the usual cap of one vincristine dose (domain brief §6)


def _capped(detail: dict) -> dict:
    """A vincristine dose per m² that would exceed the usual 2 mg cap, given as the capped 2 mg instead."""
    if detail["drug"] != "vincristine" or detail["dose_unit"] != "mg_m2":
        return {}
    bsa = Decimal(str(mosteller_bsa(float(detail["height_cm"]), float(detail["weight_kg"]))))
    return (
        {"dose": str(VINCRISTINE_CAP_MG), "dose_unit": "mg"}
        if Decimal(detail["dose"]) * bsa > VINCRISTINE_CAP_MG
        else {}
    )


def _confirm_risk(user, patient: Patient) -> None:
    # The record is written in one recompute_once() block: assess now (idempotent, so the block's
    # closing recomputation finds the same inputs and adds no second assessment).
    latest = clinical.reassess_risk(user, patient)
    if latest is not None and not latest.provisional and not latest.decision:
        clinical.decide_risk(user, patient, latest.pk, decision="confirmed")


def _appointment(user, patient: Patient, on: date, title: str) -> None:
    clinical.save_entry(
        user, patient, {"occurred_on": on, "title": title, "visibility": "released"}, kind="appointment"
    )


def on_therapy_record(user, patient: Patient, rng: random.Random, today: date, days_since: int, *, family_child=False):
    diagnosed_on = today - timedelta(days=days_since)
    height, weight, it_mg = _size(patient, diagnosed_on)
    course = Course(diagnosed_on, height, weight, it_mg)
    _diagnose(user, patient, rng, diagnosed_on, family_child=family_child)
    clinical.save_plan(
        user,
        patient,
        {"protocol": "COG AALL1732-style", "regimen": "B-ALL, four-drug induction", "arm": "Standard"},
    )
    # A few entries stay with the care team (day-8 MRD, a lab value, a social-work note).
    _record_timeline(user, patient, course, today, mrd_day8="0.05")
    clinical.save_entry(
        user,
        patient,
        {
            "occurred_on": min(today, diagnosed_on + timedelta(days=20)),
            "title": "Social work check-in",
            "notes": "Family coping; school liaison arranged.",
            "visibility": "clinician",
        },
        kind="note",
    )
    _confirm_risk(user, patient)
    _appointment(user, patient, today + timedelta(days=6), "Clinic visit and blood count")
    if family_child:
        _appointment(user, patient, today + timedelta(days=34), "Lumbar puncture with intrathecal methotrexate")


def timeline_survivor_record(user, patient: Patient, rng: random.Random, today: date):
    # Therapy ended just under two years ago: the first surveillance visits (two years after the end
    # of therapy) fall due in three weeks, so the family's 30-day reminders go out now.
    therapy_end = add_months(today, -24) + timedelta(days=21)
    diagnosed_on = therapy_end - (Course(today, 0, 0, 0).therapy_end - today)
    height, weight, it_mg = _size(patient, diagnosed_on)
    course = Course(diagnosed_on, height, weight, it_mg)
    _diagnose(user, patient, rng, diagnosed_on, family_child=False)
    clinical.save_plan(user, patient, {"protocol": "COG AALL1732-style", "regimen": "B-ALL, four-drug induction"})
    _record_timeline(user, patient, course, today, mrd_day8="0.008")
    clinical.save_entry(
        user,
        patient,
        {"occurred_on": course.therapy_end, "subtype": "end_of_therapy", "title": "Last day of treatment"},
        kind="milestone",
    )
    _confirm_risk(user, patient)
    _appointment(user, patient, today + timedelta(days=45), "Survivorship clinic")


def manual_survivor_record(user, patient: Patient, rng: random.Random, today: date):
    # Treated elsewhere; the first surveillance items (two years after therapy) are two weeks overdue.
    therapy_end = add_months(today, -24) - timedelta(days=14)
    therapy_start = therapy_end - timedelta(days=365 * 2 + 150)
    clinical.save_manual_summary(
        user,
        patient,
        {
            "treating_centre": "Riverside Children's Hospital (invented)",
            "protocol": "BFM-style high-risk ALL",
            "therapy_start": therapy_start,
            "therapy_end": therapy_end,
            # 250 × 0.6 (daunorubicin) + 150 (doxorubicin) = 300 mg/m² doxorubicin equivalent.
            "daunorubicin_mg_m2": Decimal("250"),
            "doxorubicin_mg_m2": Decimal("150"),
            "cyclophosphamide_mg_m2": Decimal("3000"),
            "corticosteroids": True,
            "corticosteroid_long_courses": 2,
            "vinca_alkaloid": True,
            "methotrexate": True,
            "high_dose_methotrexate": True,
            "thiopurine": True,
            "intrathecal_chemotherapy": True,
            "asparaginase": True,
            "red_cell_transfusions": 6,
            "notes": "From the end-of-therapy summary sent by the treating centre.",
        },
    )
    _appointment(user, patient, today + timedelta(days=20), "Survivorship clinic: review overdue tests")


# --- The step ----------------------------------------------------------------------------------------


def _has_record(patient: Patient) -> bool:
    return (
        Diagnosis.objects.filter(patient=patient).exists()
        or ManualTreatmentSummary.objects.filter(patient=patient).exists()
    )


def _released_care_plan(user, patient: Patient) -> None:
    """Make sure the plan exists (tests capture on-commit hooks) and is shown to the family."""
    if not CarePlan.objects.filter(patient=patient).exists():
        late_effects.recompute_for_patient(patient.pk)
    plan = CarePlan.objects.filter(patient=patient).first()
    if plan is not None and not plan.released_to_family:
        late_effects.release_plan(user, patient)


def _family_extras(family_user, clinician, patient: Patient) -> None:
    if not FamilyQuestion.objects.filter(patient=patient).exists():
        for text in FAMILY_QUESTIONS:
            education.add_question(family_user, patient, text)
    if not PageShare.objects.filter(patient=patient).exists():
        pages = Page.objects.filter(audience="family", language="en").order_by("slug")
        page = next((p for p in pages if p.is_live and "maint" in p.slug), None) or next(
            (p for p in pages if p.is_live), None
        )
        if page is not None:
            education.share_page(clinician, patient, page, SHARED_PAGE_NOTE)


def choose_children(result: demo_data.DemoResult) -> tuple[list[Patient], list[Patient]]:
    """(survivors, on-therapy others) among clinician@example.org's demo children, in MRN order."""
    clinician = User.objects.get(email=demo_data.CLINICIAN_EMAIL)
    today = timezone.localdate()
    # By care team, not by result.patient_ids: an IN list of 10,000 ids costs more than it filters.
    candidates = (
        Patient.objects.filter(care_team__clinician=clinician, care_team__active=True)
        .exclude(mrn=demo_data.FAMILY_CHILD_MRN)
        .order_by("mrn")
        .distinct()
    )
    survivors, others = [], []
    for child in candidates[: demo_data.CLINICIAN_OWN_PATIENTS]:
        age = age_on(child.date_of_birth, today)
        if child.status in SURVIVOR_STATUSES and age.reached(SURVIVOR_MIN_AGE_YEARS) and len(survivors) < 2:
            survivors.append(child)
        elif child.status in ON_THERAPY_STATUSES and age.reached(1.5) and len(others) < MAX_ON_THERAPY_OTHERS:
            others.append(child)
    return survivors, others


def seed_clinical(result: demo_data.DemoResult, options: dict, stdout) -> None:
    """FOLLOW_UP_STEPS entry of seed_demo."""
    seed = options.get("seed", demo_data.DEFAULT_SEED)
    today = timezone.localdate()
    clinician = User.objects.get(email=demo_data.CLINICIAN_EMAIL)
    family_user = User.objects.get(email=demo_data.FAMILY_EMAIL)
    family_child = Patient.objects.get(mrn=demo_data.FAMILY_CHILD_MRN)
    started = time.monotonic()
    survivors, others = choose_children(result)

    plan = [(family_child, "family")]
    plan += [(child, "manual" if i == 0 else "timeline") for i, child in enumerate(survivors)]
    plan += [(child, i) for i, child in enumerate(others)]
    # Like one request of the demo clinician: each child's access is decided once, not on every save.
    decisions = access.start_request_decisions()
    try:
        written = _write_records(clinician, plan, seed, today)
    finally:
        access.end_request_decisions(decisions)
    for child in survivors:
        _released_care_plan(clinician, child)
    _family_extras(family_user, clinician, family_child)
    stdout.write(
        f"Clinical records: {written} written, {len(plan) - written} already present "
        f"({len(survivors)} survivors with care plans, {len(others) + 1} on therapy) "
        f"in {time.monotonic() - started:.1f} s."
    )


def _write_records(clinician, plan, seed, today) -> int:
    written = 0
    for child, role in plan:
        if _has_record(child):
            continue
        rng = random.Random(f"{seed}:clinical:{child.mrn}")
        with clinical.recompute_once():  # each child's risk and exposures computed once
            if role == "family":
                on_therapy_record(clinician, child, rng, today, FAMILY_CHILD_DAYS_SINCE_DIAGNOSIS, family_child=True)
            elif role == "manual":
                manual_survivor_record(clinician, child, rng, today)
            elif role == "timeline":
                timeline_survivor_record(clinician, child, rng, today)
            else:
                on_therapy_record(clinician, child, rng, today, ON_THERAPY_DAYS_SINCE_DIAGNOSIS[role])
        written += 1
    return written
