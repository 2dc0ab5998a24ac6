"""A risk result: scheme + version, group, provisional flag with the inputs still missing, reasons."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class RiskResult:
    scheme: str
    scheme_version: str
    source: str
    group: str
    provisional: bool
    missing: tuple[str, ...]
    reasons: tuple[str, ...]
    possible_groups: tuple[str, ...]  # every group still reachable while inputs are missing

    def as_dict(self) -> dict:
        data = asdict(self)
        for key in ("missing", "reasons", "possible_groups"):
            data[key] = list(data[key])
        return data
