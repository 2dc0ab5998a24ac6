"""load_ruleset: validates, names the rule and field on errors, loads nothing, is idempotent."""

from io import StringIO

import pytest
import yaml
from django.core.management import CommandError, call_command

from patients.late_effects.models import RuleSet
from patients.late_effects.schema import DEFAULT_RULESET_PATH, RuleSetError, parse_ruleset


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
    assert active.version == "2026.1"
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
