"""Rule-set file format (YAML or JSON), its JSON Schema, and validation that names rule and field.

Pure Python (PyYAML + jsonschema, no Django): the management command and the admin call
parse_ruleset(); errors come back as RuleSetError with every problem, e.g.
"rule 'cardio-high' (rules[0]) → screening[1].every[0].years: -2 is less than the minimum of 0".
See rulesets/README.md for the format with an example.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from pathlib import Path

import jsonschema
import yaml

from patients.care_keys import SCREENING_KEYS
from patients.exposures.summary import ExposureSummary
from patients.late_effects.engine import CODE_LIST_FIELDS, DERIVED_FIELDS, EVENTS, OPS

FORMAT_VERSION = 1
CRITERION_FIELDS = (
    tuple(f.name for f in fields(ExposureSummary) if f.name not in ("source",)) + DERIVED_FIELDS + CODE_LIST_FIELDS
)
SEXES = ("female", "male", "intersex", "unknown")
RULESET_DIR = Path(__file__).resolve().parent / "rulesets"
PCSP_RECOMMENDATIONS_PATH = RULESET_DIR / "codes" / "pcsp-recommendations.yaml"


def _pcsp_recommendations() -> dict[int, str]:
    """The Survivorship Passport's recommendation codes (1–47) → what each addresses, from the data file."""
    data = yaml.safe_load(PCSP_RECOMMENDATIONS_PATH.read_text(encoding="utf-8"))
    return {int(code): str(display) for code, display in data["codes"].items()}


PCSP_RECOMMENDATIONS = _pcsp_recommendations()
# Criterion fields whose values are codes of one of the portal's vocabularies (checked on load).
# CODE_LIST_FIELDS are drugs_received, genetic_markers, radiation_sites, in that order.
FIELD_VOCABULARY = dict(
    zip(("predisposition_syndromes", *CODE_LIST_FIELDS), ("syndrome", "drug", "genetic marker", "site"), strict=True)
)


@dataclass(frozen=True)
class Vocabularies:
    """The portal's own codes a rule may name (the services layer reads them from the reference data)."""

    drugs: frozenset[str] = frozenset()
    syndromes: frozenset[str] = frozenset()
    markers: frozenset[str] = frozenset()
    sites: frozenset[str] = frozenset()

    def codes(self, category: str) -> frozenset[str]:
        return {"drug": self.drugs, "syndrome": self.syndromes, "genetic marker": self.markers, "site": self.sites}[
            category
        ]


_leaf = {
    "type": "object",
    "required": ["field", "op", "value"],
    "additionalProperties": False,
    "properties": {
        "field": {"enum": list(CRITERION_FIELDS)},
        "op": {"enum": list(OPS)},
        "value": {"type": ["number", "boolean", "string", "array"]},
    },
}
# Where a rule's advice comes from: the guideline, its year and version are required.
_source = {
    "type": "object",
    "required": ["guideline", "year", "version"],
    "additionalProperties": False,
    "properties": {
        "guideline": {"type": "string", "minLength": 3},
        "year": {"type": "integer", "minimum": 1950, "maximum": 2100},
        "version": {"type": "string", "minLength": 1, "maxLength": 60},
        "citation": {"type": "string", "minLength": 3},
        "url": {"type": "string", "pattern": "^https?://"},
    },
}
_start = {
    "type": "object",
    "required": ["from"],
    "additionalProperties": False,
    "properties": {
        "from": {"enum": ["end_of_therapy", "ltfu_entry", "age"]},
        "years": {"type": "number", "minimum": 0},
        "months": {"type": "integer", "minimum": 0},
        "age": {"type": "number", "minimum": 0, "maximum": 100},
        "not_before": {"enum": ["end_of_therapy", "ltfu_entry"]},
    },
    "if": {"properties": {"from": {"const": "age"}}},
    "then": {"required": ["age"]},
}
_phase = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "years": {"type": "number", "exclusiveMinimum": 0},
        "months": {"type": "integer", "exclusiveMinimum": 0},
        "until_age": {"type": "number", "minimum": 0},
    },
    "anyOf": [{"required": ["years"]}, {"required": ["months"]}],
}
_screening = {
    "type": "object",
    "required": ["key", "what", "why", "start"],
    "additionalProperties": False,
    "properties": {
        "key": {"enum": list(SCREENING_KEYS)},
        "variant": {"type": "string", "pattern": "^[a-z0-9_-]{1,30}$"},
        "what": {"type": "string", "minLength": 3},
        "what_plain": {"type": "string", "minLength": 3},
        "why": {"type": "string", "minLength": 3},
        "start": _start,
        "once": {"type": "boolean"},
        "every": {"type": "array", "minItems": 1, "items": _phase},
        "stop_at_age": {"type": "number", "minimum": 0},
        "sex": {"type": "array", "minItems": 1, "items": {"enum": list(SEXES)}},
        "also_at": {"type": "array", "minItems": 1, "items": {"enum": list(EVENTS)}},
    },
    "oneOf": [
        {"required": ["once"], "properties": {"once": {"const": True}}, "not": {"required": ["every"]}},
        {"required": ["every"], "not": {"required": ["once"]}},
    ],
}
SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["format", "name", "version", "source", "rules"],
    "additionalProperties": False,
    "$defs": {
        "criterion": {
            "oneOf": [
                _leaf,
                {
                    "type": "object",
                    "required": ["all"],
                    "additionalProperties": False,
                    "properties": {"all": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/criterion"}}},
                },
                {
                    "type": "object",
                    "required": ["any"],
                    "additionalProperties": False,
                    "properties": {"any": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/criterion"}}},
                },
                {
                    "type": "object",
                    "required": ["not"],
                    "additionalProperties": False,
                    "properties": {"not": {"$ref": "#/$defs/criterion"}},
                },
            ]
        }
    },
    "properties": {
        "format": {"const": FORMAT_VERSION},
        "name": {"type": "string", "minLength": 1, "maxLength": 120},
        "version": {"type": "string", "minLength": 1, "maxLength": 40},
        "source": {"type": "string", "minLength": 3},
        "description": {"type": "string"},
        "settings": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"ltfu_entry_years_after_therapy": {"type": "number", "minimum": 0, "maximum": 10}},
        },
        "rules": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "late_effect", "criteria", "screening", "source", "pcsp_recommendation"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,59}$"},
                    "late_effect": {"type": "string", "minLength": 3},
                    "criteria": {"$ref": "#/$defs/criterion"},
                    "sex": {"type": "array", "minItems": 1, "items": {"enum": list(SEXES)}},
                    "screening": {"type": "array", "minItems": 1, "items": _screening},
                    "source": _source,
                    # Survivorship Passport recommendation codes; [] where the passport has none.
                    "pcsp_recommendation": {"type": "array", "uniqueItems": True, "items": {"type": "integer"}},
                },
            },
        },
    },
}


class RuleSetError(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def _where(data: dict, path) -> str:
    """'rule 'x' (rules[2]) → screening[0].start.from' from a jsonschema error path."""
    parts = list(path)
    if len(parts) >= 2 and parts[0] == "rules" and isinstance(parts[1], int):
        rules = data.get("rules") or []
        rule = rules[parts[1]] if parts[1] < len(rules) else {}
        rule_id = rule.get("id", "?") if isinstance(rule, dict) else "?"
        rest = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts[2:]).lstrip(".")
        return f"rule '{rule_id}' (rules[{parts[1]}])" + (f" → {rest}" if rest else "")
    rest = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts).lstrip(".")
    return rest or "(file)"


_CRITERION_BRANCH = {"field": 0, "all": 1, "any": 2, "not": 3}  # order of $defs.criterion.oneOf


def _deepest(error):
    """For oneOf/anyOf failures, the most specific sub-error (jsonschema's best_match).

    A criterion is matched to the branch its keys choose (a leaf has "field"), so an unknown field
    or operator is reported as such, not as "'all' is a required property".
    """
    if not error.context:
        return jsonschema.exceptions.best_match([error])
    instance = error.instance
    if error.validator == "oneOf" and isinstance(instance, dict):
        branch = next((index for key, index in _CRITERION_BRANCH.items() if key in instance), None)
        chosen = [e for e in error.context if branch is not None and e.relative_schema_path[0] == branch]
        if chosen:
            return _deepest(jsonschema.exceptions.best_match(chosen))
    return jsonschema.exceptions.best_match(error.context)


def validate(data, vocabularies: Vocabularies | None = None) -> None:
    """Schema, then meaning; with `vocabularies`, every code a rule names must be one of the portal's."""
    if not isinstance(data, dict):
        raise RuleSetError(["(file): a rule set must be a mapping with format, name, version, source and rules"])
    validator = jsonschema.Draft202012Validator(SCHEMA)
    problems = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        specific = _deepest(error)
        problems.append(f"{_where(data, specific.absolute_path)}: {specific.message}")
    if not problems:
        problems += _semantic_problems(data)
        if vocabularies is not None:
            problems += _vocabulary_problems(data, vocabularies)
    if problems:
        raise RuleSetError(problems)


def _semantic_problems(data: dict) -> list[str]:
    problems = []
    seen = set()
    for index, rule in enumerate(data["rules"]):
        where = f"rule '{rule['id']}' (rules[{index}])"
        if rule["id"] in seen:
            problems.append(f"{where} → id: duplicate rule id")
        seen.add(rule["id"])
        for s_index, screening in enumerate(rule["screening"]):
            phases = screening.get("every", [])
            for p_index, phase in enumerate(phases[:-1]):
                if phase.get("until_age") is None:
                    problems.append(
                        f"{where} → screening[{s_index}].every[{p_index}].until_age: "
                        "only the last interval may be open-ended"
                    )
        for code in rule["pcsp_recommendation"]:
            if code not in PCSP_RECOMMENDATIONS:
                problems.append(
                    f"{where} → pcsp_recommendation: {code} is not a Survivorship Passport recommendation code "
                    f"(cs-recommendation-eu-pcsp has {min(PCSP_RECOMMENDATIONS)}–{max(PCSP_RECOMMENDATIONS)})"
                )
    return problems


def _leaves(criterion: dict, path: str):
    """(path, leaf) for every field comparison in a criterion tree."""
    for combiner in ("all", "any"):
        if combiner in criterion:
            for index, part in enumerate(criterion[combiner]):
                yield from _leaves(part, f"{path}.{combiner}[{index}]")
            return
    if "not" in criterion:
        yield from _leaves(criterion["not"], f"{path}.not")
        return
    yield path, criterion


def criterion_leaves(criterion: dict):
    """Every field comparison in a criterion tree (all / any / not), without the paths."""
    return (leaf for _path, leaf in _leaves(criterion, ""))


def _vocabulary_problems(data: dict, vocabularies: Vocabularies) -> list[str]:
    """Every drug, syndrome, genetic marker and site a criterion names must be a code the portal stores."""
    problems = []
    for index, rule in enumerate(data["rules"]):
        where = f"rule '{rule['id']}' (rules[{index}])"
        for path, leaf in _leaves(rule["criteria"], "criteria"):
            category = FIELD_VOCABULARY.get(leaf["field"])
            if category is None or leaf["op"] == "is_set":
                continue
            values = leaf["value"] if isinstance(leaf["value"], list) else [leaf["value"]]
            known = vocabularies.codes(category)
            for value in values:
                if value not in known:
                    problems.append(
                        f"{where} → {path}.value: unknown {category} code {value!r} for {leaf['field']} "
                        f"(known: {', '.join(sorted(known)) or 'none'})"
                    )
    return problems


def parse_ruleset(text: str, *, filename: str = "", vocabularies: Vocabularies | None = None) -> dict:
    """Parse YAML/JSON text and validate it. Raises RuleSetError listing every problem."""
    try:
        data = json.loads(text) if filename.endswith(".json") else yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise RuleSetError([f"(file): not valid {'JSON' if filename.endswith('.json') else 'YAML'}: {exc}"])
    validate(data, vocabularies)
    return data


def read_text(path: str | Path) -> str:
    path = Path(path)
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleSetError([f"(file): cannot read {path}: {exc.strerror}"])


def read_ruleset(path: str | Path, vocabularies: Vocabularies | None = None) -> tuple[dict, str]:
    text = read_text(path)
    return parse_ruleset(text, filename=Path(path).name, vocabularies=vocabularies), text


DEFAULT_RULESET_PATH = RULESET_DIR / "ighg-pancare-open.yaml"
SHIPPED_RULESET_PATHS = tuple(sorted(RULESET_DIR.glob("*.yaml")))  # every rule set the portal ships
