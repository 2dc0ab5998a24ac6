"""A risk result: scheme + version, group, provisional flag with the inputs still missing, reasons."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass


def group_words(group: str) -> str:
    return group.replace("_", " ")


def group_range(possible_groups: Sequence[str]) -> str:
    """The groups still possible, lowest to highest: "low to high"."""
    return f"{group_words(possible_groups[0])} to {group_words(possible_groups[-1])}"


def headline(group: str, provisional: bool, missing: Sequence[str], possible_groups: Sequence[str]) -> str:
    """ "high", or "pending: low to high; waiting for day-8 MRD, day-29 (end-of-induction) MRD"."""
    if not provisional or len(possible_groups) < 2:
        return group_words(group)
    waiting = ", ".join(missing) if missing else "results still missing"
    return f"pending: {group_range(possible_groups)}; waiting for {waiting}"


@dataclass(frozen=True)
class RiskResult:
    scheme: str
    scheme_version: str
    source: str
    group: str
    provisional: bool
    missing: tuple[str, ...]
    reasons: tuple[str, ...]
    possible_groups: tuple[str, ...]  # every group still reachable while inputs are missing, lowest first

    @property
    def headline(self) -> str:
        """What to show as the result: the group, or "pending" with the missing inputs and the range.

        While provisional, `group` is only the lowest group still reachable; it never stands alone.
        """
        return headline(self.group, self.provisional, self.missing, self.possible_groups)

    def as_dict(self) -> dict:
        data = asdict(self)
        for key in ("missing", "reasons", "possible_groups"):
            data[key] = list(data[key])
        data["headline"] = self.headline
        return data
