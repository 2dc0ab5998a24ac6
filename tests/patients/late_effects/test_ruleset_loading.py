"""load_ruleset: validates, names the rule and field on errors, loads nothing, is idempotent."""

from datetime import date
from io import StringIO

import pytest
import yaml
from django.core.management import CommandError, call_command

from patients.exposures.summary import ExposureSummary
from patients.late_effects import services
from patients.late_effects.engine import PatientFacts, compute_plan
from patients.late_effects.models import RuleSet
from patients.late_effects.schema import (
    DEFAULT_RULESET_PATH,
    PCSP_RECOMMENDATIONS,
    SHIPPED_RULESET_PATHS,
    RuleSetError,
    parse_ruleset,
)
from patients.models import PredispositionSyndrome
from tests.clinical_reference import ensure_clinical_reference_data


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Loading checks codes against the reference data: make sure it is there."""
    if request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
        ensure_clinical_reference_data()


def _broken_copy(tmp_path, mutate, name="broken.yaml"):
    data = yaml.safe_load(DEFAULT_RULESET_PATH.read_text())
    data["version"] = "broken-1"
    mutate(data)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.mark.django_db
def test_default_file_loads_and_activates_idempotently():
    out = StringIO()
    call_command("load_ruleset", str(DEFAULT_RULESET_PATH), "--activate", stdout=out)
    call_command("load_ruleset", str(DEFAULT_RULESET_PATH), "--activate", stdout=out)
    assert RuleSet.objects.count() == 1
    active = RuleSet.objects.get(active=True)
    assert active.version == "2026.2"
    assert "already loaded" in out.getvalue()


@pytest.mark.django_db
def test_broken_file_is_rejected_precisely_and_active_set_untouched(tmp_path):
    call_command("load_ruleset", str(DEFAULT_RULESET_PATH), "--activate", stdout=StringIO())
    before = list(RuleSet.objects.values_list("pk", "active"))

    def break_it(data):
        data["rules"][0]["screening"][0]["every"][0]["years"] = -2  # cardio-high echo interval
        data["rules"][1]["screening"][0]["key"] = "cardiac_mri"  # not a known screening key

    path = _broken_copy(tmp_path, break_it)
    with pytest.raises(CommandError) as excinfo:
        call_command("load_ruleset", str(path), "--activate", stdout=StringIO())
    message = str(excinfo.value)
    assert "rule 'cardio-high' (rules[0]) → screening[0].every[0].years" in message
    assert "rule 'cardio-standard' (rules[1]) → screening[0].key" in message
    assert "'cardiac_mri' is not one of" in message
    assert list(RuleSet.objects.values_list("pk", "active")) == before
    assert not RuleSet.objects.filter(version="broken-1").exists()


@pytest.mark.django_db
def test_command_exits_non_zero(tmp_path):
    path = _broken_copy(tmp_path, lambda d: d["rules"][2].pop("source"))
    with pytest.raises(CommandError, match=r"rule 'cardio-low' \(rules\[2\]\): 'source' is a required property"):
        call_command("load_ruleset", str(path))


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["rules"][0]["criteria"]["any"][0].update(field="anthracyclin_dose"), "criteria"),
        (lambda d: d["rules"][3]["screening"][0]["start"].update({"from": "diagnosis"}), "start.from"),
        (lambda d: d["rules"][5]["screening"][0]["every"][0].pop("until_age"), "until_age: only the last"),
        (lambda d: d["rules"][1].update(id="cardio-high"), "duplicate rule id"),
        (lambda d: d["rules"][9].update(sex=["girl"]), "sex[0]"),
    ],
)
def test_schema_errors_name_rule_and_field(tmp_path, mutate, expected):
    path = _broken_copy(tmp_path, mutate)
    with pytest.raises(RuleSetError) as excinfo:
        parse_ruleset(path.read_text(), filename=path.name)
    assert expected in str(excinfo.value)
    assert "rule '" in str(excinfo.value)


def test_yaml_syntax_error_is_reported():
    with pytest.raises(RuleSetError, match="not valid YAML"):
        parse_ruleset("rules: [unclosed", filename="x.yaml")


@pytest.mark.django_db
def test_same_version_with_other_content_is_refused(tmp_path):
    call_command("load_ruleset", str(DEFAULT_RULESET_PATH), stdout=StringIO())
    data = yaml.safe_load(DEFAULT_RULESET_PATH.read_text())
    data["rules"][0]["late_effect"] = "Changed wording"
    path = tmp_path / "changed.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(CommandError, match="new version"):
        call_command("load_ruleset", str(path))


# --- Closed vocabularies, sources and Survivorship Passport codes ---------------------------------


def _criterion_copy(tmp_path, criterion, name="vocab.yaml"):
    """The shipped set with the predisposition rule's criterion replaced."""

    def mutate(data):
        rule = next(r for r in data["rules"] if r["id"] == "predisposition")
        rule["criteria"] = criterion

    return _broken_copy(tmp_path, mutate, name)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("criterion", "expected"),
    [
        (
            {"field": "predisposition_syndromes", "op": "contains", "value": "down_syndrome"},
            "syndrome code 'down_syndrome'",
        ),
        ({"field": "drugs_received", "op": "contains", "value": "doxorubicine"}, "drug code 'doxorubicine'"),
        (
            {"field": "genetic_markers", "op": "contains_any", "value": ["KMT2A_R", "ETV6-RUNX1"]},
            "genetic marker code 'ETV6-RUNX1'",
        ),
        ({"field": "radiation_sites", "op": "contains", "value": "heart"}, "site code 'heart'"),
        (
            {"field": "predisposition_syndrome", "op": "contains", "value": "down"},
            "'predisposition_syndrome' is not one of",
        ),
        ({"field": "predisposition_syndromes", "op": "includes", "value": "down"}, "'includes' is not one of"),
    ],
)
def test_unknown_code_in_each_category_is_refused_naming_the_rule(tmp_path, criterion, expected):
    call_command("load_ruleset", str(DEFAULT_RULESET_PATH), "--activate", stdout=StringIO())
    path = _criterion_copy(tmp_path, criterion)
    with pytest.raises(CommandError) as excinfo:
        call_command("load_ruleset", str(path), "--activate", stdout=StringIO())
    message = str(excinfo.value)
    assert "rule 'predisposition' (rules[" in message and expected in message, message
    assert "rule set not loaded" in message
    assert not RuleSet.objects.filter(version="broken-1").exists()  # atomic: nothing stored
    assert RuleSet.objects.get(active=True).version == "2026.2"


@pytest.mark.django_db
def test_unknown_screening_key_is_refused_by_the_service_naming_the_rule(tmp_path):
    path = _broken_copy(tmp_path, lambda d: d["rules"][3]["screening"][0].update(key="hip_xray"))
    with pytest.raises(RuleSetError, match=r"rule 'osteonecrosis' \(rules\[3\]\) → screening\[0\]\.key: 'hip_xray'"):
        services.load_ruleset(path.read_text(), filename=path.name)
    assert not RuleSet.objects.exists()


@pytest.mark.django_db
def test_known_codes_in_every_category_load(tmp_path):
    criterion = {
        "any": [
            {"field": "drugs_received", "op": "contains", "value": "ifosfamide"},
            {"field": "genetic_markers", "op": "contains", "value": "KMT2A_R"},
            {"field": "radiation_sites", "op": "contains", "value": "mediastinum"},
            {"field": "predisposition_syndromes", "op": "contains", "value": "familial_pax5"},
        ]
    }
    ruleset, created = services.load_ruleset(_criterion_copy(tmp_path, criterion).read_text(), filename="v.yaml")
    assert created and ruleset.version == "broken-1"


@pytest.mark.django_db
@pytest.mark.parametrize("path", SHIPPED_RULESET_PATHS, ids=lambda p: p.name)
def test_every_shipped_rule_set_loads_against_the_reference_data(path):
    """Fails on any code the portal's vocabularies do not have (the 2026.1 syndrome codes did not)."""
    ruleset, created = services.load_ruleset(path.read_text(), filename=path.name)
    assert created
    for rule in ruleset.content["rules"]:
        assert {"guideline", "year", "version"} <= set(rule["source"]), rule["id"]
        assert all(code in PCSP_RECOMMENDATIONS for code in rule["pcsp_recommendation"]), rule["id"]


def test_shipped_rule_sets_are_found():
    assert DEFAULT_RULESET_PATH in SHIPPED_RULESET_PATHS


@pytest.mark.django_db
def test_every_predisposition_syndrome_in_the_reference_data_reaches_genetic_counselling():
    codes = list(PredispositionSyndrome.objects.values_list("code", flat=True))
    assert len(codes) == 11
    ruleset = services.load_ruleset(DEFAULT_RULESET_PATH.read_text(), filename=DEFAULT_RULESET_PATH.name)[0]
    for code in codes:
        summary = ExposureSummary(predisposition_syndromes=(code,), therapy_end=date(2020, 1, 1))
        facts = PatientFacts(
            exposures=summary.as_dict(), sex="female", date_of_birth=date(2012, 1, 1), therapy_end=date(2020, 1, 1)
        )
        slots = {i.slot for i in compute_plan(ruleset.content, facts).items}
        assert "genetic_counselling" in slots, code


@pytest.mark.parametrize("missing", ["year", "version"])
def test_a_rule_source_without_year_or_version_is_refused(tmp_path, missing):
    path = _broken_copy(tmp_path, lambda d: d["rules"][4]["source"].pop(missing))
    with pytest.raises(
        RuleSetError, match=rf"rule 'bone-density' \(rules\[4\]\) → source: '{missing}' is a required property"
    ):
        parse_ruleset(path.read_text(), filename=path.name)


def test_a_plain_string_source_is_refused(tmp_path):
    path = _broken_copy(tmp_path, lambda d: d["rules"][4].update(source="IGHG (van Atteveld et al.)"))
    with pytest.raises(RuleSetError, match=r"rule 'bone-density' \(rules\[4\]\) → source"):
        parse_ruleset(path.read_text(), filename=path.name)


@pytest.mark.parametrize(("codes", "bad"), [([48], "48"), ([0], "0"), ([3, 99], "99")])
def test_pcsp_recommendation_outside_the_code_system_is_refused(tmp_path, codes, bad):
    path = _broken_copy(tmp_path, lambda d: d["rules"][0].update(pcsp_recommendation=codes))
    with pytest.raises(RuleSetError, match=rf"rule 'cardio-high' \(rules\[0\]\) → pcsp_recommendation: {bad} is not"):
        parse_ruleset(path.read_text(), filename=path.name)


def test_a_rule_without_pcsp_mapping_is_refused(tmp_path):
    path = _broken_copy(tmp_path, lambda d: d["rules"][0].pop("pcsp_recommendation"))
    with pytest.raises(RuleSetError, match="'pcsp_recommendation' is a required property"):
        parse_ruleset(path.read_text(), filename=path.name)


def test_pcsp_code_list_is_the_fsh_code_system():
    """The data file holds exactly the codes of cs-recommendation-eu-pcsp (1–47)."""
    assert sorted(PCSP_RECOMMENDATIONS) == list(range(1, 48))
    assert PCSP_RECOMMENDATIONS[37] == "Tumor predisposition"
    assert PCSP_RECOMMENDATIONS[3].startswith("Cardiac problems")
