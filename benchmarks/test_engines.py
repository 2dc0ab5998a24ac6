"""The pure clinical engines: fast enough to recompute on every edit and for every child at once.

Targets (2-core machine): risk evaluation < 1 ms per child and scheme; an exposure summary from a
2-year timeline < 1 ms; a late-effects plan < 5 ms.
"""

from datetime import date, timedelta

from patients.exposures.calculate import ChemoGiven, ExposureRules, TreatmentFacts, summarise
from patients.exposures.summary import ExposureSummary
from patients.late_effects.engine import PatientFacts, compute_plan
from patients.late_effects.schema import DEFAULT_RULESET_PATH, read_ruleset
from patients.risk.engine import evaluate
from patients.risk.inputs import Mrd, RiskInputs

RULES = ExposureRules(
    version="IGHG-2023",
    anthracycline_factors={
        "doxorubicin": 1.0,
        "daunorubicin": 0.6,
        "epirubicin": 0.8,
        "idarubicin": 5,
        "mitoxantrone": 10,
    },
)


def test_risk_all_schemes(benchmark):
    """Three schemes for one child with complete inputs (the work behind one diagnosis save)."""
    inputs = RiskInputs(
        age_years=4.2,
        lineage="B",
        wbc_per_ul=12_000,
        cns_status="CNS1",
        genetics=(("ETV6::RUNX1", "favourable"),),
        mrd=(("day8", Mrd(value_pct=0.005)), ("day29", Mrd(negative_below_pct=0.01))),
    )

    def run():
        return [evaluate(key, inputs) for key in ("nci_rome", "cog_aall08b1", "stjude_total16")]

    results = benchmark(run)
    assert all(r.group for r in results)


def test_risk_provisional_with_missing_inputs(benchmark):
    """Missing MRD makes the engine try every value it could take: the slowest realistic case."""
    inputs = RiskInputs(age_years=11.0, lineage="B", wbc_per_ul=60_000, cns_status="CNS2", genetics_pending=True)
    result = benchmark(evaluate, "cog_aall08b1", inputs)
    assert result.provisional


def _two_year_timeline() -> TreatmentFacts:
    start = date(2022, 1, 3)
    chemo = []
    for week in range(104):  # weekly oral methotrexate, daily 6-MP, 4-weekly vincristine/dexamethasone pulses
        day = start + timedelta(weeks=week)
        chemo.append(ChemoGiven("methotrexate", "antimetabolite", day, dose=20, route="oral", bsa_m2=0.9))
        chemo.append(ChemoGiven("mercaptopurine", "antimetabolite", day, until=day + timedelta(days=6), dose=75))
        if week % 4 == 0:
            chemo.append(ChemoGiven("vincristine", "vinca", day, dose=1.5, bsa_m2=0.9))
            chemo.append(ChemoGiven("dexamethasone", "corticosteroid", day, until=day + timedelta(days=4), dose=6))
    chemo += [ChemoGiven("daunorubicin", "anthracycline", start + timedelta(days=d), dose=25) for d in (0, 7, 14, 21)]
    chemo += [ChemoGiven("doxorubicin", "anthracycline", start + timedelta(days=d), dose=25) for d in (150, 157, 164)]
    return TreatmentFacts(
        date_of_birth=date(2017, 5, 1),
        chemo=tuple(chemo),
        intrathecal_drugs=("methotrexate",) * 20,
        therapy_start=start,
        therapy_end=start + timedelta(weeks=104),
    )


def test_exposures_from_two_year_timeline(benchmark):
    facts = _two_year_timeline()
    summary, _warnings = benchmark(summarise, facts, RULES)
    assert summary.anthracycline_dox_eq_mg_m2 == 25 * 4 * 0.6 + 25 * 3


def test_late_effects_plan(benchmark):
    ruleset, _ = read_ruleset(DEFAULT_RULESET_PATH)
    exposures = ExposureSummary(
        anthracycline_dox_eq_mg_m2=300,
        cyclophosphamide_mg_m2=3000,
        any_alkylator=True,
        any_corticosteroid=True,
        corticosteroid_long_courses=2,
        any_vinca_alkaloid=True,
        any_methotrexate=True,
        intrathecal_chemotherapy=True,
        any_thiopurine=True,
        red_cell_transfusions=12,
        therapy_start=date(2017, 3, 1),
        therapy_end=date(2019, 9, 1),
    )
    facts = PatientFacts(
        exposures=exposures.as_dict(), sex="female", date_of_birth=date(2010, 3, 1), therapy_end=date(2019, 9, 1)
    )
    plan = benchmark(compute_plan, ruleset, facts)
    assert plan.items
