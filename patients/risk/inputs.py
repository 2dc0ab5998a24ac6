"""What the risk schemes read: plain values taken from the diagnosis and MRD results."""

from __future__ import annotations

from dataclasses import dataclass, field

from patients.ages import Age

LINEAGES = ("B", "T", "mixed")
CNS_STATUSES = ("CNS1", "CNS2", "CNS3")  # after the traumatic-tap calculation (see cns.py)
CLASSIFICATIONS = ("favourable", "neutral", "unfavourable")

# MRD timepoints (days from the start of induction). St. Jude's day 19 and day 46 are recorded as
# day15 / day42; "end_consolidation" is the end-of-consolidation (COG) or consolidation (St. Jude) sample.
MRD_TIMEPOINTS = ("day8", "day15", "day29", "day33", "day42", "day78", "end_consolidation", "week14", "other")
MRD_LABELS = {
    "day8": "day-8 MRD",
    "day15": "day-15 MRD",
    "day29": "day-29 (end-of-induction) MRD",
    "day33": "day-33 MRD",
    "day42": "day-42 (end-of-induction) MRD",
    "day78": "day-78 MRD",
    "end_consolidation": "consolidation MRD",
    "week14": "week-14 MRD",
    "other": "MRD",
}


@dataclass(frozen=True)
class Mrd:
    """One MRD result: a measured level in %, or "not detected" at a stated sensitivity (in %)."""

    value_pct: float | None = None
    negative_below_pct: float | None = None

    def as_dict(self) -> dict:
        return {"value_pct": self.value_pct, "negative_below_pct": self.negative_below_pct}


@dataclass(frozen=True)
class RiskInputs:
    """None means "not known yet"; the engine then answers provisionally.

    The age at diagnosis is a calendar age (patients.ages.age_on). `age_years` takes that Age, or a
    decimal number of years from callers without dates (taken in completed months: 9.99 is 9 years
    11 months); `age` is always the Age the schemes compare with their cut-offs.
    """

    age_years: Age | float | None = None
    lineage: str | None = None
    wbc_per_ul: float | None = None
    cns_status: str | None = None
    testicular: bool = False
    steroid_pretreatment: bool = False
    induction_failure: bool = False
    # (marker code, classification) pairs found so far; more may come while genetics_pending.
    genetics: tuple[tuple[str, str], ...] = ()
    genetics_pending: bool = False
    mrd: tuple[tuple[str, Mrd], ...] = field(default_factory=tuple)
    # Display names of marker codes, for the reasons in words (not an input to any rule).
    marker_names: tuple[tuple[str, str], ...] = field(default_factory=tuple, compare=False)
    age: Age | None = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        age = self.age_years
        if age is not None and not isinstance(age, Age):
            age = Age.from_years(age)
        object.__setattr__(self, "age", age)

    def mrd_at(self, timepoint: str) -> Mrd | None:
        for key, result in self.mrd:
            if key == timepoint:
                return result
        return None

    def as_dict(self) -> dict:
        return {
            "age_years": None if self.age is None else self.age.in_years,
            "age": None if self.age is None else {"years": self.age.years, "months": self.age.months},
            "lineage": self.lineage,
            "wbc_per_ul": self.wbc_per_ul,
            "cns_status": self.cns_status,
            "testicular": self.testicular,
            "steroid_pretreatment": self.steroid_pretreatment,
            "induction_failure": self.induction_failure,
            "genetics": [list(g) for g in sorted(self.genetics)],
            "genetics_pending": self.genetics_pending,
            "mrd": {key: result.as_dict() for key, result in self.mrd},
        }
