"""Table tests of each risk scheme against shared/domain.md §2, including the boundary ages and WBC."""

import pytest

from patients.risk import Mrd, RiskInputs, SchemeConfig, evaluate

FAV = (("ETV6_RUNX1", "favourable"),)
NEUTRAL = ()
KMT2A = (("KMT2A_R", "unfavourable"),)
BCR_ABL1 = (("BCR_ABL1", "unfavourable"),)
NEG = Mrd(value_pct=0.001)


def inputs(age=5.0, wbc=10_000, lineage="B", cns="CNS1", genetics=NEUTRAL, mrd=None, **kw):
    return RiskInputs(
        age_years=age,
        lineage=lineage,
        wbc_per_ul=wbc,
        cns_status=cns,
        genetics=genetics,
        mrd=tuple(sorted((mrd or {}).items())),
        **kw,
    )


def cog_mrd(d8, d29):
    return {"day8": Mrd(value_pct=d8), "day29": Mrd(value_pct=d29)}


def sj_mrd(d15, d42, cons=0.0):
    return {"day15": Mrd(value_pct=d15), "day42": Mrd(value_pct=d42), "end_consolidation": Mrd(value_pct=cons)}


@pytest.mark.parametrize(
    ("age", "wbc", "lineage", "group"),
    [
        (0.99, 10_000, "B", "very_high"),  # infant
        (1.0, 10_000, "B", "standard"),
        (9.99, 10_000, "B", "standard"),
        (10.0, 10_000, "B", "high"),
        (13.0, 10_000, "B", "high"),
        (5.0, 49_999, "B", "standard"),
        (5.0, 50_000, "B", "high"),  # WBC exactly 50,000/µL is not < 50,000
        (5.0, 10_000, "T", "high"),
    ],
)
def test_nci_rome(age, wbc, lineage, group):
    result = evaluate("nci_rome", inputs(age=age, wbc=wbc, lineage=lineage))
    assert result.group == group
    assert not result.provisional
    assert result.scheme_version == "1996" and result.source
    assert result.reasons


@pytest.mark.parametrize(
    ("age", "wbc", "genetics", "mrd", "group"),
    [
        (5.0, 10_000, FAV, cog_mrd(0.001, 0.001), "low"),
        (5.0, 10_000, FAV, cog_mrd(0.5, 0.001), "average"),
        (5.0, 10_000, NEUTRAL, cog_mrd(0.5, 0.001), "average"),
        (5.0, 10_000, FAV, cog_mrd(0.001, 0.05), "high"),
        (5.0, 10_000, NEUTRAL, cog_mrd(1.0, 0.001), "high"),  # day-8 exactly 1% is ≥ 1%
        (5.0, 10_000, NEUTRAL, cog_mrd(0.5, 0.01), "very_high"),  # day-29 exactly 0.01% is ≥ 0.01%
        (10.0, 10_000, FAV, cog_mrd(0.001, 0.001), "high"),  # NCI HR by age, < 13, MRD negative
        (10.0, 10_000, FAV, cog_mrd(0.001, 0.05), "very_high"),
        (12.99, 10_000, NEUTRAL, cog_mrd(0.001, 0.001), "high"),
        (13.0, 10_000, NEUTRAL, cog_mrd(0.001, 0.001), "very_high"),  # NCI HR aged 13+
        (5.0, 50_000, NEUTRAL, cog_mrd(0.001, 0.001), "high"),  # NCI HR by WBC exactly 50,000
        (5.0, 49_999, NEUTRAL, cog_mrd(0.001, 0.001), "average"),
        (0.99, 10_000, FAV, cog_mrd(0.001, 0.001), "very_high"),
        (1.0, 10_000, FAV, cog_mrd(0.001, 0.001), "low"),
        (9.99, 10_000, FAV, cog_mrd(0.001, 0.001), "low"),
        (5.0, 10_000, KMT2A, cog_mrd(0.001, 0.001), "very_high"),  # any unfavourable feature
        (5.0, 10_000, FAV + KMT2A, cog_mrd(0.001, 0.001), "very_high"),
    ],
)
def test_cog_aall08b1(age, wbc, genetics, mrd, group):
    result = evaluate("cog_aall08b1", inputs(age=age, wbc=wbc, genetics=genetics, mrd=mrd))
    assert (result.group, result.provisional) == (group, False)


def test_cog_provisional_without_mrd():
    result = evaluate("cog_aall08b1", inputs(genetics=FAV))
    assert result.provisional
    assert result.group == "low"
    assert result.possible_groups == ("low", "average", "high")
    assert set(result.missing) == {"day-8 MRD", "day-29 (end-of-induction) MRD"}
    assert any("assumed" in r for r in result.reasons)


def test_cog_provisional_only_on_the_mrd_that_matters():
    # NCI high risk under 13: only the day-29 result can change the group.
    result = evaluate("cog_aall08b1", inputs(age=11.0, mrd={"day8": Mrd(value_pct=3.0)}))
    assert (result.group, result.provisional, result.missing) == ("high", True, ("day-29 (end-of-induction) MRD",))
    # ... and no MRD result can change very high risk.
    assert not evaluate("cog_aall08b1", inputs(age=13.0)).provisional


def test_cog_negative_mrd_counts_only_at_sufficient_sensitivity():
    sensitive = {"day8": NEG, "day29": Mrd(negative_below_pct=0.01)}
    assert evaluate("cog_aall08b1", inputs(genetics=FAV, mrd=sensitive)).group == "low"
    coarse = {"day8": NEG, "day29": Mrd(negative_below_pct=0.1)}
    result = evaluate("cog_aall08b1", inputs(genetics=FAV, mrd=coarse))
    assert result.provisional and result.possible_groups == ("low", "high")


def test_cog_pending_genetics_is_provisional():
    result = evaluate("cog_aall08b1", inputs(genetics=(), genetics_pending=True, mrd=cog_mrd(0.001, 0.001)))
    assert result.provisional and "genetics results" in result.missing
    assert result.possible_groups[-1] == "very_high"


@pytest.mark.parametrize(
    ("cfg", "kw", "group"),
    [
        (SchemeConfig(), {"testicular": True}, "high"),  # COG counts testicular disease as high risk
        (SchemeConfig(testicular_is_high=False), {"testicular": True}, "low"),  # a centre that does not
        (SchemeConfig(), {"cns": "CNS3"}, "high"),
        (SchemeConfig(), {"cns": "CNS2"}, "average"),  # default: CNS2 is never low risk
        (SchemeConfig(cns2_handling="ignore"), {"cns": "CNS2"}, "low"),
        (SchemeConfig(cns2_handling="high"), {"cns": "CNS2"}, "high"),
        (SchemeConfig(), {"steroid_pretreatment": True}, "high"),
        (SchemeConfig(sr_age_max_years=9.0), {"age": 9.5}, "high"),  # a centre's own age cut-off
    ],
)
def test_cog_centre_settings(cfg, kw, group):
    result = evaluate("cog_aall08b1", inputs(genetics=FAV, mrd=cog_mrd(0.001, 0.001), **kw), cfg)
    assert result.group == group


@pytest.mark.parametrize(
    ("age", "wbc", "genetics", "mrd", "kw", "group"),
    [
        (5.0, 10_000, NEUTRAL, sj_mrd(0.5, 0.001), {}, "low"),  # NCI-SR B-ALL
        (12.0, 10_000, FAV, sj_mrd(0.5, 0.001), {}, "low"),  # ETV6::RUNX1 despite NCI HR
        (12.0, 10_000, (("HIGH_HYPERDIPLOIDY", "favourable"),), sj_mrd(0.5, 0.001), {}, "low"),
        (12.0, 10_000, NEUTRAL, sj_mrd(0.5, 0.001), {}, "standard"),
        (5.0, 10_000, BCR_ABL1, sj_mrd(0.0, 0.0), {}, "high"),
        (5.0, 10_000, NEUTRAL, sj_mrd(0.5, 0.001), {"cns": "CNS3"}, "standard"),
        (5.0, 10_000, NEUTRAL, sj_mrd(0.5, 0.001), {"testicular": True}, "standard"),
        (5.0, 10_000, NEUTRAL, sj_mrd(1.0, 0.001), {}, "standard"),  # day-15 ≥ 1%
        (5.0, 10_000, NEUTRAL, sj_mrd(0.5, 0.05, 0.001), {}, "standard"),  # EOI positive, cleared
        (5.0, 10_000, NEUTRAL, sj_mrd(0.5, 0.05, 0.02), {}, "high"),  # persisting in consolidation
        (5.0, 10_000, NEUTRAL, sj_mrd(5.0, 1.0), {}, "high"),  # EOI ≥ 1%
        (0.99, 10_000, NEUTRAL, sj_mrd(0.5, 0.001), {}, "standard"),
        (1.0, 10_000, NEUTRAL, sj_mrd(0.5, 0.001), {}, "low"),
        (9.99, 10_000, NEUTRAL, sj_mrd(0.5, 0.001), {}, "low"),
        (10.0, 10_000, NEUTRAL, sj_mrd(0.5, 0.001), {}, "standard"),
        (13.0, 10_000, NEUTRAL, sj_mrd(0.5, 0.001), {}, "standard"),
        (5.0, 50_000, NEUTRAL, sj_mrd(0.5, 0.001), {}, "standard"),
        (5.0, 10_000, NEUTRAL, sj_mrd(0.5, 0.001), {"lineage": "T"}, "standard"),
    ],
)
def test_stjude_total16(age, wbc, genetics, mrd, kw, group):
    result = evaluate("stjude_total16", inputs(age=age, wbc=wbc, genetics=genetics, mrd=mrd, **kw))
    assert (result.group, result.provisional) == (group, False)


def test_stjude_provisional_without_mrd():
    result = evaluate("stjude_total16", inputs())
    assert (result.group, result.provisional) == ("low", True)
    assert {"day-15 MRD", "day-42 (end-of-induction) MRD"} <= set(result.missing)
    # BCR::ABL1 is high whatever MRD shows: final without it.
    assert not evaluate("stjude_total16", inputs(genetics=BCR_ABL1)).provisional


def test_unknown_scheme_is_refused():
    with pytest.raises(ValueError, match="unknown risk scheme"):
        evaluate("nope", inputs())


# --- both sides of every MRD and WBC cut-off the table tests above leave out ------------------------
# (Age cut-offs, by calendar birthdays through patients/ages.py: test_risk_age_cutoffs.py. The DNA
# index cut-off is applied when the record becomes inputs: test_clinical_services.py.)


@pytest.mark.parametrize(
    ("genetics", "mrd", "group"),
    [
        (FAV, cog_mrd(0.0099, 0.001), "low"),  # day-8 just under 0.01%
        (FAV, cog_mrd(0.01, 0.001), "average"),  # day-8 exactly 0.01% is not < 0.01%
        (NEUTRAL, cog_mrd(0.99, 0.001), "average"),  # day-8 just under 1%
        (NEUTRAL, cog_mrd(0.5, 0.0099), "average"),  # day-29 just under 0.01%
        (FAV, cog_mrd(0.001, 0.0099), "low"),
        (FAV, cog_mrd(0.001, 0.01), "high"),  # favourable with day-29 exactly 0.01%
    ],
)
def test_cog_mrd_cutoffs_both_sides(genetics, mrd, group):
    result = evaluate("cog_aall08b1", inputs(genetics=genetics, mrd=mrd))
    assert (result.group, result.provisional) == (group, False)


@pytest.mark.parametrize(
    ("wbc", "mrd", "group"),
    [
        (49_999, sj_mrd(0.5, 0.001), "low"),  # white count just under 50,000/µL
        (10_000, sj_mrd(0.99, 0.001), "low"),  # day-15 just under 1%
        (10_000, sj_mrd(0.5, 0.0099), "low"),  # end-of-induction just under 0.01%
        (10_000, sj_mrd(0.5, 0.01, 0.001), "standard"),  # end-of-induction exactly 0.01%
        (10_000, sj_mrd(0.5, 0.99, 0.001), "standard"),  # end-of-induction just under 1%, cleared
        (10_000, sj_mrd(0.5, 0.05, 0.0099), "standard"),  # consolidation just under 0.01%
        (10_000, sj_mrd(0.5, 0.05, 0.01), "high"),  # consolidation exactly 0.01%: MRD persists
    ],
)
def test_stjude_wbc_and_mrd_cutoffs_both_sides(wbc, mrd, group):
    result = evaluate("stjude_total16", inputs(wbc=wbc, mrd=mrd))
    assert (result.group, result.provisional) == (group, False)


@pytest.mark.parametrize("mrd", [cog_mrd(0.0099, 0.0099), cog_mrd(5.0, 5.0)])
def test_nci_rome_has_no_mrd_cutoff(mrd):
    assert evaluate("nci_rome", inputs(mrd=mrd)).group == "standard"
