"""Genetic marker classes per scheme (patients/risk/markers.py), as data with sources.

A marker's class is the scheme's, not the record's: the tests give each marker a contradictory
general classification where it matters, so that only the per-scheme table can produce the group.
"""

import copy

import pytest

from patients.models import GeneticMarker
from patients.risk import SCHEMES, Mrd, RiskInputs, evaluate
from patients.risk.markers import (
    MARKER_CLASS_DATA,
    MARKER_CLASSES,
    MARKER_CODES,
    SCHEME_CLASSES,
    MarkerClassError,
    load_marker_classes,
)

NEG = Mrd(value_pct=0.001)
OPPOSITE = {"favourable": "unfavourable", "neutral": "unfavourable", "unfavourable": "favourable"}


def child(scheme, markers, age=5.0, general="neutral"):
    return RiskInputs(
        age_years=age,
        lineage="B",
        wbc_per_ul=10_000,
        cns_status="CNS1",
        genetics=tuple((code, general) for code in markers),
        mrd=tuple((tp, NEG) for tp in SCHEMES[scheme].mrd_timepoints),
    )


def codes(scheme, cls):
    return MARKER_CLASSES.codes(scheme, cls)


def test_every_scheme_classifies_every_marker_with_a_source():
    assert set(SCHEME_CLASSES) == set(SCHEMES)
    for scheme in SCHEMES:
        table = MARKER_CLASSES.by_scheme[scheme]
        assert set(table) == MARKER_CODES, scheme
        assert all(entry.source for entry in table.values())


@pytest.mark.django_db
def test_the_vocabulary_matches_the_reference_data():
    assert set(GeneticMarker.objects.values_list("code", flat=True)) == MARKER_CODES


@pytest.mark.parametrize("code", sorted(codes("nci_rome", "not_used")))
def test_nci_rome_ignores_genetics(code):
    plain = evaluate("nci_rome", child("nci_rome", ()))
    for general in ("favourable", "unfavourable"):
        assert evaluate("nci_rome", child("nci_rome", (code,), general=general)).group == plain.group == "standard"


@pytest.mark.parametrize(
    ("cls", "group"),
    [("favourable", "low"), ("neutral", "average"), ("unfavourable", "very_high")],
)
def test_cog_marker_classes(cls, group):
    """NCI standard risk, MRD negative at day 8 and day 29: favourable → low, neutral → average,
    any unfavourable feature → very high (AALL08B1)."""
    assert codes("cog_aall08b1", cls)
    for code in codes("cog_aall08b1", cls):
        result = evaluate("cog_aall08b1", child("cog_aall08b1", (code,), general=OPPOSITE[cls]))
        assert result.group == group, code


@pytest.mark.parametrize(
    ("cls", "age", "group"),
    [
        ("low", 12.0, "low"),  # a low marker makes even an NCI high-risk child provisionally low
        ("neutral", 12.0, "standard"),  # ... a neutral one does not
        ("neutral", 5.0, "low"),  # ... nor does it stop NCI standard risk being low
        ("standard", 5.0, "standard"),  # kept at standard although NCI standard risk
        ("high", 5.0, "high"),
    ],
)
def test_stjude_marker_classes(cls, age, group):
    assert codes("stjude_total16", cls)
    for code in codes("stjude_total16", cls):
        general = "neutral" if cls == "standard" else "favourable"
        result = evaluate("stjude_total16", child("stjude_total16", (code,), age=age, general=general))
        assert result.group == group, code


def test_tcf3_pbx1_differs_between_cog_and_stjude():
    """Same child: COG counts TCF3::PBX1 neutral (average), St. Jude keeps it at standard, not low."""
    cog = evaluate("cog_aall08b1", child("cog_aall08b1", ("TCF3_PBX1",)))
    sj = evaluate("stjude_total16", child("stjude_total16", ("TCF3_PBX1",)))
    assert (cog.group, sj.group) == ("average", "standard")
    assert any("TCF3_PBX1" in reason for reason in sj.reasons)
    assert "St. Jude" in MARKER_CLASSES.source("stjude_total16", "TCF3_PBX1")
    assert MARKER_CLASSES.source("cog_aall08b1", "TCF3_PBX1").startswith("COG AALL08B1")


@pytest.mark.parametrize(
    ("scheme", "general", "group"),
    [("cog_aall08b1", "unfavourable", "very_high"), ("stjude_total16", "unfavourable", "standard")],
)
def test_unlisted_marker_falls_back_on_the_general_class(scheme, general, group):
    assert evaluate(scheme, child(scheme, ("NEW_MARKER",), general=general)).group == group


def _data(edit):
    data = copy.deepcopy(MARKER_CLASS_DATA)
    edit(data)
    return data


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["schemes"].update({"ukall_2011": {}}), "unknown scheme 'ukall_2011'"),
        (
            lambda d: d["schemes"]["cog_aall08b1"].update({"PAX5_ALT": {"class": "neutral", "source": "x"}}),
            "cog_aall08b1/PAX5_ALT: unknown marker 'PAX5_ALT'",
        ),
        (
            lambda d: d["schemes"]["stjude_total16"]["TCF3_PBX1"].update({"class": "unfavourable"}),
            "stjude_total16/TCF3_PBX1: class 'unfavourable' is not one of",
        ),
        (lambda d: d["schemes"]["cog_aall08b1"]["IAMP21"].update({"source": ""}), "cog_aall08b1/IAMP21: no source"),
        (lambda d: d.update({"version": ""}), "no version"),
    ],
)
def test_loading_refuses_unknown_values(edit, message):
    with pytest.raises(MarkerClassError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_marker_classes(_data(edit))


def test_the_shipped_data_loads():
    loaded = load_marker_classes(MARKER_CLASS_DATA)
    assert loaded.version == MARKER_CLASSES.version
    assert loaded.codes("stjude_total16", "low") == ("ETV6_RUNX1", "HIGH_HYPERDIPLOIDY")
