"""Exposures derived from a realistic timeline, the manual summary, and the exposures_changed signal."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from patients.clinical import services
from patients.clinical.exposure_store import load_exposure_summary
from patients.clinical.signals import exposures_changed
from patients.exposures.calculate import ChemoGiven, ExposureRules, TreatmentFacts, summarise
from patients.models import AnthracyclineFactor, ExposureRecord, ExposureRuleSet
from tests.factories import PatientFactory
from tests.patients.factories import add_chemo, add_entry, drug

pytestmark = pytest.mark.django_db

START = date(2024, 3, 4)  # induction day 1


@pytest.fixture
def child(clinician):
    from portal.care.models import CareTeamMembership

    patient = PatientFactory(date_of_birth=date(2019, 5, 1), sex="male")
    CareTeamMembership.objects.create(patient=patient, clinician=clinician, team_role="attending")
    return patient


def test_realistic_timeline_totals(clinician, child):
    """Hand-computed:
    induction daunorubicin 25 mg/m² × 4 = 100 mg/m² × 0.6        =  60 dox-eq
    delayed intensification doxorubicin 25 mg/m² × 3 = 75 × 1     =  75 dox-eq   → 135 mg/m²
    cyclophosphamide 1,000 mg/m² (DI) + 760 mg at BSA 0.76 m²     = 2,000 mg/m²
    dexamethasone days 1-28 (one 28-day course) + DI days 1-7, 15-21 (too short) → 1 long course
    IT methotrexate at LP, HD-MTX 5 g/m² IV, cytarabine 75 mg/m² (not high-dose)
    red cells: 1 + 2 units, platelets 1 → 3 red-cell transfusions
    """
    u, p = clinician, child
    di = START + timedelta(days=200)
    add_chemo(u, p, START, "dexamethasone", 6, until=START + timedelta(days=27), route="oral")
    add_chemo(u, p, START, "vincristine", 1.5)
    add_chemo(u, p, START, "daunorubicin", 25, doses=4)
    add_chemo(u, p, START + timedelta(days=3), "pegaspargase", 2500, unit="units_m2", route="im")
    add_entry(u, p, "lumbar_puncture", START, {"it_drugs": ["methotrexate", "cytarabine"]})
    add_chemo(u, p, START + timedelta(days=90), "methotrexate", 5, unit="g_m2")
    add_chemo(u, p, di, "doxorubicin", 25, doses=3)
    add_chemo(u, p, di, "dexamethasone", 10, until=di + timedelta(days=6), route="oral")
    add_chemo(u, p, di + timedelta(days=14), "dexamethasone", 10, until=di + timedelta(days=20), route="oral")
    add_chemo(u, p, di + timedelta(days=28), "cyclophosphamide", 1000)
    add_chemo(
        u, p, di + timedelta(days=29), "cyclophosphamide", 760, unit="mg", height_cm=110, weight_kg=19, bsa_m2="0.76"
    )
    add_chemo(u, p, di + timedelta(days=29), "cytarabine", 75, doses=8)
    add_chemo(u, p, di + timedelta(days=35), "thioguanine", 60, route="oral")
    for units, product in ((1, "red_cells"), (2, "red_cells"), (1, "platelets")):
        add_entry(u, p, "transfusion", START + timedelta(days=10), {"product": product, "units": units})

    summary = load_exposure_summary(p)
    assert summary.anthracycline_dox_eq_mg_m2 == pytest.approx(135.0)
    assert summary.cyclophosphamide_mg_m2 == pytest.approx(2000.0)
    assert summary.corticosteroid_long_courses == 1
    assert summary.intrathecal_chemotherapy and summary.any_methotrexate
    assert summary.high_dose_methotrexate and not summary.high_dose_cytarabine
    assert summary.any_alkylator and summary.any_vinca_alkaloid and summary.any_asparaginase and summary.any_thiopurine
    assert summary.red_cell_transfusions == 3
    assert not summary.transfusion_before_1993
    assert summary.therapy_start == START
    assert summary.source == "timeline"
    record = ExposureRecord.objects.get(patient=p)
    assert record.rules_version == "IGHG-2023"


def test_bsa_is_computed_by_mosteller_when_missing(clinician, child):
    entry = add_chemo(clinician, child, START, "cyclophosphamide", 500, unit="mg", height_cm=110, weight_kg=19)
    assert entry.chemo.bsa_m2 == Decimal("0.762")
    assert load_exposure_summary(child).cyclophosphamide_mg_m2 == pytest.approx(656.2, abs=0.1)  # 500 / 0.762


def test_exposures_recomputed_on_every_change_and_signal_sent(clinician, child):
    calls = []

    def receiver(sender, patient_id, summary, **kwargs):
        calls.append((patient_id, summary.anthracycline_dox_eq_mg_m2))

    exposures_changed.connect(receiver)
    try:
        entry = add_chemo(clinician, child, START, "doxorubicin", 30)
        assert ExposureRecord.objects.get(patient=child).anthracycline_dox_eq_mg_m2 == 30
        entry = services.save_entry(clinician, child, {}, {"dose": 40}, entry=entry, expected_version=entry.version)
        assert ExposureRecord.objects.get(patient=child).anthracycline_dox_eq_mg_m2 == 40
        # A change that leaves the exposures as they were (a note) announces nothing.
        entry = services.save_entry(
            clinician, child, {"notes": "well tolerated"}, {}, entry=entry, expected_version=entry.version
        )
        services.delete_entry(clinician, child, entry)
        assert ExposureRecord.objects.get(patient=child).anthracycline_dox_eq_mg_m2 == 0
    finally:
        exposures_changed.disconnect(receiver)
    assert calls == [(child.pk, 30), (child.pk, 40), (child.pk, 0)]


def test_radiation_transplant_and_old_transfusions(clinician):
    from portal.care.models import CareTeamMembership

    survivor = PatientFactory(date_of_birth=date(1965, 1, 1))
    CareTeamMembership.objects.create(patient=survivor, clinician=clinician)
    add_entry(clinician, survivor, "radiation", date(1970, 1, 1), {"site": "cranial", "total_gy": 18, "fractions": 10})
    add_entry(clinician, survivor, "radiation", date(1971, 6, 1), {"site": "tbi", "total_gy": 12, "fractions": 6})
    add_entry(clinician, survivor, "transplant", date(1971, 6, 8), subtype="allogeneic")
    add_entry(clinician, survivor, "transfusion", date(1971, 6, 9), {"product": "platelets"})
    summary = load_exposure_summary(survivor)
    assert summary.cranial_radiation_gy == 18 and summary.cranial_radiation_age_years == pytest.approx(5.0, abs=0.01)
    assert summary.tbi and summary.tbi_gy == 12 and summary.heart_radiation_gy == 12
    assert summary.hsct
    assert summary.transfusion_before_1993 and summary.transfusion_before_1972
    assert summary.red_cell_transfusions == 0


def test_manual_summary_yields_the_same_record(clinician):
    from portal.care.models import CareTeamMembership

    survivor = PatientFactory(date_of_birth=date(2000, 1, 1))
    CareTeamMembership.objects.create(patient=survivor, clinician=clinician)
    services.save_manual_summary(
        clinician,
        survivor,
        {
            "treating_centre": "Elsewhere Children's",
            "therapy_start": date(2005, 1, 1),
            "therapy_end": date(2007, 6, 1),
            "daunorubicin_mg_m2": Decimal("100"),
            "doxorubicin_mg_m2": Decimal("75"),
            "mitoxantrone_mg_m2": Decimal("10"),
            "cyclophosphamide_mg_m2": Decimal("1000"),
            "intrathecal_chemotherapy": True,
            "red_cell_transfusions": 12,
        },
    )
    summary = load_exposure_summary(survivor)
    assert summary.anthracycline_dox_eq_mg_m2 == pytest.approx(60 + 75 + 100)
    assert summary.cyclophosphamide_mg_m2 == 1000 and summary.any_alkylator
    assert summary.source == "manual"
    assert summary.therapy_end == date(2007, 6, 1)
    assert summary.red_cell_transfusions == 12
    assert summary.therapy_start == date(2005, 1, 1)
    assert summary.intrathecal_chemotherapy is True
    # What the summary did not report stays at "none", as for a timeline with no such entries.
    assert not summary.transfusion_before_1993 and not summary.transfusion_before_1972
    assert not summary.any_corticosteroid and summary.corticosteroid_long_courses == 0
    assert summary.cranial_radiation_gy == 0 and summary.heart_radiation_gy == 0
    assert not summary.hsct and not summary.tbi and summary.tbi_gy == 0


def test_factors_are_versioned_data(clinician, child):
    """A centre that adopts a newer mitoxantrone factor adds and activates a new rule set."""
    add_chemo(clinician, child, START, "mitoxantrone", 10)
    assert load_exposure_summary(child).anthracycline_dox_eq_mg_m2 == 100
    ExposureRuleSet.objects.update(active=False)
    newer = ExposureRuleSet.objects.create(version="panel-2025", source="proposal", active=True)
    AnthracyclineFactor.objects.create(rule_set=newer, drug=drug("mitoxantrone"), factor=Decimal("10.5"))
    from patients.clinical.exposure_store import recompute_exposures

    record = recompute_exposures(child)
    assert record.anthracycline_dox_eq_mg_m2 == 105 and record.rules_version == "panel-2025"


def test_pure_calculation_warns_on_unconvertible_dose():
    rules = ExposureRules(version="t", anthracycline_factors={"doxorubicin": 1.0})
    facts = TreatmentFacts(
        date_of_birth=date(2015, 1, 1),
        chemo=(ChemoGiven("doxorubicin", "anthracycline", date(2020, 1, 1), dose=30, dose_unit="mg"),),
    )
    summary, warnings = summarise(facts, rules)
    assert summary.anthracycline_dox_eq_mg_m2 == 0 and warnings
