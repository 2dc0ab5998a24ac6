"""A provisional risk result reads "pending", names what is missing and the range still possible.

For every scheme, each input is left out in turn from an otherwise complete case (B-lineage, age
5, white count 10,000/µL, CNS1, genetics complete, MRD negative at every timepoint the scheme
uses; for COG with ETV6::RUNX1 so that low risk is reachable). The expected ranges follow from
the scheme definitions in shared/domain.md §2, worked out by hand in the comments.
"""

import pytest

from patients.risk import SCHEMES, Mrd, RiskInputs, evaluate
from patients.risk.result import headline

NEG = Mrd(value_pct=0.001)
FIELDS = ("age_years", "lineage", "wbc_per_ul", "cns_status", "genetics")


def complete(scheme: str) -> dict:
    return {
        "age_years": 5.0,
        "lineage": "B",
        "wbc_per_ul": 10_000,
        "cns_status": "CNS1",
        "genetics": (("ETV6_RUNX1", "favourable"),) if scheme == "cog_aall08b1" else (),
        "mrd": tuple((tp, NEG) for tp in SCHEMES[scheme].mrd_timepoints),
    }


def without(scheme: str, missing: str) -> RiskInputs:
    kw = complete(scheme)
    if missing == "genetics":
        kw.update(genetics=(), genetics_pending=True)
    elif missing.startswith("mrd:"):
        kw["mrd"] = tuple(item for item in kw["mrd"] if item[0] != missing[4:])
    else:
        kw[missing] = None
    return RiskInputs(**kw)


# (scheme, input left out, groups still possible lowest→highest, missing input in words); None = final
CASES = [
    # NCI/Rome: infant very high, 1–<10 standard, ≥10 high.
    ("nci_rome", "age_years", ("standard", "high", "very_high"), "age at diagnosis"),
    ("nci_rome", "lineage", ("standard", "high"), "lineage"),  # T-ALL counts high
    ("nci_rome", "wbc_per_ul", ("standard", "high"), "white count at diagnosis"),
    ("nci_rome", "cns_status", ("standard",), None),  # not an NCI/Rome criterion
    ("nci_rome", "genetics", ("standard",), None),  # nor are genetics
    # COG: favourable SR + MRD negative is low; infant / aged ≥13 very high; NCI HR <13 high.
    ("cog_aall08b1", "age_years", ("low", "high", "very_high"), "age at diagnosis"),
    ("cog_aall08b1", "lineage", ("low", "high"), "lineage"),
    ("cog_aall08b1", "wbc_per_ul", ("low", "high"), "white count at diagnosis"),
    ("cog_aall08b1", "cns_status", ("low", "average", "high"), "CNS status"),  # CNS2 never low; CNS3 high
    ("cog_aall08b1", "genetics", ("low", "average", "very_high"), "genetics results"),
    ("cog_aall08b1", "mrd:day8", ("low", "average"), "day-8 MRD"),
    ("cog_aall08b1", "mrd:day29", ("low", "high"), "day-29 (end-of-induction) MRD"),
    # St. Jude: NCI-SR B-ALL with MRD negative is low; exclusions give standard; BCR::ABL1 or EOI ≥1% high.
    ("stjude_total16", "age_years", ("low", "standard"), "age at diagnosis"),
    ("stjude_total16", "lineage", ("low", "standard"), "lineage"),
    ("stjude_total16", "wbc_per_ul", ("low", "standard"), "white count at diagnosis"),
    ("stjude_total16", "cns_status", ("low", "standard"), "CNS status"),
    ("stjude_total16", "genetics", ("low", "standard", "high"), "genetics results"),
    ("stjude_total16", "mrd:day15", ("low", "standard"), "day-15 MRD"),
    ("stjude_total16", "mrd:day42", ("low", "standard", "high"), "day-42 (end-of-induction) MRD"),
    # Consolidation MRD only matters once day-42 MRD is positive.
    ("stjude_total16", "mrd:end_consolidation", ("low",), None),
]


def test_every_scheme_and_input_is_covered():
    expected = {
        (s, f) for s, scheme in SCHEMES.items() for f in (*FIELDS, *(f"mrd:{t}" for t in scheme.mrd_timepoints))
    }
    assert {(s, f) for s, f, _, _ in CASES} == expected


@pytest.mark.parametrize(("scheme", "missing", "possible", "label"), CASES)
def test_provisional_wording(scheme, missing, possible, label):
    result = evaluate(scheme, without(scheme, missing))
    assert result.possible_groups == possible
    if label is None:
        assert not result.provisional and result.missing == ()
        assert result.headline == possible[0].replace("_", " ")
        return
    low, high = possible[0].replace("_", " "), possible[-1].replace("_", " ")
    assert result.provisional and result.missing == (label,)
    assert result.headline == f"pending: {low} to {high}; waiting for {label}"
    # The lowest group never heads the result on its own.
    assert not result.headline.startswith(low)
    assert result.reasons[-1].startswith(f"pending: still possible {low} to {high}")
    assert result.as_dict()["headline"] == result.headline


def test_several_missing_inputs_are_all_named():
    kw = complete("cog_aall08b1")
    kw["mrd"] = ()
    result = evaluate("cog_aall08b1", RiskInputs(**kw))
    assert result.headline == ("pending: low to high; waiting for day-8 MRD, day-29 (end-of-induction) MRD")


def test_headline_of_a_final_result_is_the_group():
    assert headline("very_high", False, (), ("very_high",)) == "very high"
    assert headline("low", True, ("day-8 MRD",), ("low", "average")) == "pending: low to average; waiting for day-8 MRD"
