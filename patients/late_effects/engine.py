"""The late-effects scheduler, pure Python (no Django): exposures + sex + date of birth +
end-of-therapy date + a parsed rule set → dated screening items, each with the reasons
(which exposure met which criterion of which rule) that put it on the plan.

Deterministic: the same inputs give the same items in the same order. Dates are computed
with calendar arithmetic (add_months), never 365-day approximations, so "2 years after end
of therapy" lands on the same calendar day two years later (29 Feb → 28 Feb).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from patients.ages import Age, age_on, cutoff_months, reaches_on

OPS = {
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "contains": lambda a, b: b in (a or ()),
    "contains_any": lambda a, b: bool(set(a or ()) & set(b)),
    "is_set": lambda a, b: (a not in (None, "", 0, False, (), [])) == b,
}
# Values derived from the inputs that criteria may use besides the ExposureSummary fields.
DERIVED_FIELDS = ("age_at_therapy_start", "age_at_therapy_end")
# Lists of the portal's codes (drug, genetic marker, radiation site) a record may supply besides the
# ExposureSummary fields; a rule naming one that the child's record lacks is not applied and says so.
CODE_LIST_FIELDS = ("drugs_received", "genetic_markers", "radiation_sites")
# Occasions, not dates, on which a screening is also due ("also_at"); shown with the item's schedule.
EVENTS = ("pregnancy",)
# Fields that are ages: criteria compare them by the calendar (age >= 5 iff the 5th birthday was reached).
AGE_FIELDS = ("age_at_therapy_start", "age_at_therapy_end", "cranial_radiation_age_years")
AGE_OPS = (">=", ">", "<=", "<", "==", "!=")


def add_months(day: date, months: int) -> date:
    """Calendar month arithmetic; the day is clamped to the target month's length."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def birthday(born: date, age: float) -> date:
    """The date a person born on `born` reaches `age` years (fractional ages in whole months).

    By the calendar, as patients.ages.age_on counts: a 29 Feb birthday falls on 1 Mar in non-leap years.
    """
    return reaches_on(born, age)


@dataclass(frozen=True)
class PatientFacts:
    """Everything the engine needs about one child, as plain data."""

    exposures: dict[str, Any]  # ExposureSummary.as_dict()
    sex: str  # female | male | intersex | unknown
    date_of_birth: date
    therapy_end: date | None

    def _age_on(self, day: date | None) -> Age | None:
        if day is None or day < self.date_of_birth:
            return None
        return age_on(self.date_of_birth, day)

    def value(self, name: str):
        if name == "age_at_therapy_start":
            start = self.exposures.get("therapy_start")
            return self._age_on(start)
        if name == "age_at_therapy_end":
            return self._age_on(self.therapy_end)
        value = self.exposures.get(name)
        if name in AGE_FIELDS and isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            return Age.from_years(value)  # a stored decimal age, in completed months
        return value


@dataclass(frozen=True)
class ScreeningItem:
    """One line of the plan: what to do, why, from when and how often, and what triggered it."""

    slot: str  # "<screening key>" or "<key>:<variant>": one open item per slot
    key: str  # from patients.care_keys.SCREENING_KEYS
    what: str
    why: str
    late_effect: str
    rule_ids: tuple[str, ...]
    sources: tuple[str, ...]
    reasons: tuple[str, ...]
    first_due: date
    schedule: dict  # {"once": true} or {"phases": [{"every_months": n, "until_age": a|None}], "stop_at_age": a|None}

    @property
    def recurring(self) -> bool:
        return not self.schedule.get("once", False)


@dataclass(frozen=True)
class PlanResult:
    items: tuple[ScreeningItem, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)  # why the plan is empty or partial


# --- Criteria -----------------------------------------------------------------------------------


def _fmt(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value)) or "none"
    return str(value).lower() if isinstance(value, bool) else str(value)


def evaluate(criterion: dict, facts: PatientFacts) -> tuple[bool, list[str]]:
    """(met, reasons): reasons name each field that made the criterion true, with its value."""
    if "all" in criterion:
        reasons: list[str] = []
        for part in criterion["all"]:
            met, why = evaluate(part, facts)
            if not met:
                return False, []
            reasons += why
        return True, reasons
    if "any" in criterion:
        reasons = []
        for part in criterion["any"]:
            met, why = evaluate(part, facts)
            if met:
                reasons += why
        return bool(reasons), reasons
    if "not" in criterion:
        met, _ = evaluate(criterion["not"], facts)
        return (not met), ([] if met else [f"not ({_describe(criterion['not'])})"])
    value = facts.value(criterion["field"])
    if value is None and criterion["op"] != "is_set":
        return False, []
    target = criterion["value"]
    if isinstance(value, Age) and criterion["op"] in AGE_OPS and isinstance(target, int | float):
        # By the calendar, in whole months: "age < 5" holds until the day before the 5th birthday.
        met = OPS[criterion["op"]](value.total_months, cutoff_months(target))
    else:
        met = OPS[criterion["op"]](value, target)
    if not met:
        return False, []
    if criterion["op"] == "is_set":
        return True, [f"{criterion['field']} = {_fmt(value)}"]
    return True, [f"{criterion['field']} = {_fmt(value)} ({criterion['op']} {_fmt(criterion['value'])})"]


def _describe(criterion: dict) -> str:
    if "all" in criterion:
        return " and ".join(_describe(c) for c in criterion["all"])
    if "any" in criterion:
        return " or ".join(_describe(c) for c in criterion["any"])
    if "not" in criterion:
        return f"not ({_describe(criterion['not'])})"
    return f"{criterion['field']} {criterion['op']} {_fmt(criterion['value'])}"


def source_text(source, pcsp_codes=()) -> str:
    """One line naming the guideline, its version and year (and the Survivorship Passport code)."""
    if isinstance(source, str):  # rule sets stored before sources became structured
        text = source
    else:
        text = f"{source['guideline']}, version {source['version']} ({source['year']})"
        if source.get("citation"):
            text += f"; {source['citation']}"
    if pcsp_codes:
        text += "; Survivorship Passport recommendation " + ", ".join(str(c) for c in pcsp_codes)
    return text


def fields_used(criterion: dict) -> set[str]:
    if "all" in criterion or "any" in criterion:
        return set().union(*(fields_used(c) for c in criterion.get("all") or criterion["any"]))
    if "not" in criterion:
        return fields_used(criterion["not"])
    return {criterion["field"]}


# --- Dates --------------------------------------------------------------------------------------


def ltfu_entry(therapy_end: date, years_after_therapy: float) -> date:
    return add_months(therapy_end, round(years_after_therapy * 12))


def start_date(start: dict, facts: PatientFacts, entry_years: float) -> date:
    """When the first screening is due: relative to end of therapy, LTFU entry, or an age."""
    assert facts.therapy_end is not None
    end = facts.therapy_end
    entry = ltfu_entry(end, entry_years)
    anchor = start["from"]
    months = round(start.get("years", 0) * 12) + start.get("months", 0)
    if anchor == "end_of_therapy":
        day = add_months(end, months)
    elif anchor == "ltfu_entry":
        day = add_months(entry, months)
    else:  # "age"
        day = birthday(facts.date_of_birth, start["age"])
        not_before = start.get("not_before", "end_of_therapy")
        floor = entry if not_before == "ltfu_entry" else end
        day = max(day, floor)
    return day


def interval_months(schedule: dict, date_of_birth: date, on: date) -> int | None:
    """The interval that applies at `on` (age-dependent phases), None for one-time screening."""
    if schedule.get("once"):
        return None
    age = age_on(date_of_birth, on)
    for phase in schedule["phases"]:
        until = phase.get("until_age")
        if until is None or not age.reached(until):
            return phase["every_months"]
    return None  # past the last bounded phase: no further screening


def next_due(schedule: dict, date_of_birth: date, previous: date) -> date | None:
    """The due date after a screening done (or due) on `previous`; None when the series ends."""
    months = interval_months(schedule, date_of_birth, previous)
    if months is None:
        return None
    candidate = add_months(previous, months)
    stop = schedule.get("stop_at_age")
    if stop is not None and candidate >= birthday(date_of_birth, stop):
        return None
    return candidate


def occurrences(item: ScreeningItem, date_of_birth: date, until: date) -> list[date]:
    """Every due date of an item up to `until`, assuming each is done on its due date."""
    days = [item.first_due] if item.first_due <= until else []
    while days:
        following = next_due(item.schedule, date_of_birth, days[-1])
        if following is None or following > until:
            break
        days.append(following)
    return days


# --- The plan -----------------------------------------------------------------------------------


def _schedule(screening: dict) -> dict:
    also = {"also_at": list(screening["also_at"])} if screening.get("also_at") else {}
    if screening.get("once", False) or "every" not in screening:
        return {"once": True, **also}
    phases = []
    for phase in screening["every"]:
        months = phase.get("months", 0) + round(phase.get("years", 0) * 12)
        phases.append({"every_months": months, "until_age": phase.get("until_age")})
    return {"phases": phases, "stop_at_age": screening.get("stop_at_age"), **also}


def _sex_matches(part: dict, sex: str) -> bool:
    """A rule or one of its screenings may be limited by sex (e.g. to survivors who can become pregnant)."""
    allowed = part.get("sex")
    return not allowed or sex in allowed


def _missing_fields(rule: dict, facts: PatientFacts) -> list[str]:
    return sorted(f for f in fields_used(rule["criteria"]) if f in CODE_LIST_FIELDS and f not in facts.exposures)


def compute_plan(ruleset: dict, facts: PatientFacts) -> PlanResult:
    """Apply every rule to the child; merge items that share a slot (earliest start wins, reasons join)."""
    if facts.therapy_end is None:
        return PlanResult(items=(), notes=("No end-of-therapy date yet: the follow-up plan starts from it.",))
    entry_years = ruleset.get("settings", {}).get("ltfu_entry_years_after_therapy", 2)
    by_slot: dict[str, ScreeningItem] = {}
    notes: list[str] = []
    for rule in ruleset["rules"]:
        if not _sex_matches(rule, facts.sex):
            continue
        missing = _missing_fields(rule, facts)
        if missing:
            notes.append(f"Rule {rule['id']} was not applied: the record does not supply {', '.join(missing)}.")
            continue
        met, reasons = evaluate(rule["criteria"], facts)
        if not met:
            continue
        if rule.get("sex"):
            reasons = [*reasons, f"sex = {facts.sex}"]
        source = source_text(rule["source"], rule.get("pcsp_recommendation", ()))
        for screening in rule["screening"]:
            if not _sex_matches(screening, facts.sex):
                continue
            item_reasons = reasons if not screening.get("sex") or rule.get("sex") else [*reasons, f"sex = {facts.sex}"]
            slot = screening["key"] + (f":{screening['variant']}" if screening.get("variant") else "")
            schedule = _schedule(screening)
            first = start_date(screening["start"], facts, entry_years)
            stop = schedule.get("stop_at_age")
            if stop is not None and first >= birthday(facts.date_of_birth, stop):
                continue
            item = ScreeningItem(
                slot=slot,
                key=screening["key"],
                what=screening["what"],
                why=screening["why"],
                late_effect=rule["late_effect"],
                rule_ids=(rule["id"],),
                sources=(source,),
                reasons=tuple(f"{rule['id']}: {reason}" for reason in item_reasons),
                first_due=first,
                schedule=schedule,
            )
            by_slot[slot] = _merge(by_slot[slot], item) if slot in by_slot else item
    items = sorted(by_slot.values(), key=lambda i: (i.first_due, i.slot))
    return PlanResult(items=tuple(items), notes=tuple(notes))


def _merge(a: ScreeningItem, b: ScreeningItem) -> ScreeningItem:
    """Two rules asking for the same screening: keep the earlier start (then the shorter interval)."""

    def rank(item: ScreeningItem):
        first_interval = 10**6 if item.schedule.get("once") else item.schedule["phases"][0]["every_months"]
        return (item.first_due, first_interval, item.rule_ids)

    keep, other = (a, b) if rank(a) <= rank(b) else (b, a)
    return ScreeningItem(
        slot=keep.slot,
        key=keep.key,
        what=keep.what,
        why=keep.why,
        late_effect=keep.late_effect,
        rule_ids=keep.rule_ids + tuple(r for r in other.rule_ids if r not in keep.rule_ids),
        sources=keep.sources + tuple(s for s in other.sources if s not in keep.sources),
        reasons=keep.reasons + other.reasons,
        first_due=keep.first_due,
        schedule=keep.schedule,
    )
