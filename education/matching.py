"""Which pages fit a child's current moments of care ("for you now"). Pure: no Django imports.

A page matches when its relevance tags share a key with the child's moments. Pages are ranked
by what they match: the treatment phase, a procedure or an open screening item first (what
is happening now or next), then the stage of care, then the risk group; ties by number of
matched keys, then title.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from patients.care_keys import PHASE_KEYS, PROCEDURE_KEYS, RISK_KEYS, SCREENING_KEYS, STAGE_KEYS, CareMoments

WEIGHTS = {
    **dict.fromkeys(PHASE_KEYS, 40),
    **dict.fromkeys(PROCEDURE_KEYS, 30),
    **dict.fromkeys(SCREENING_KEYS, 30),
    **dict.fromkeys(STAGE_KEYS, 20),
    **dict.fromkeys(RISK_KEYS, 10),
}


@dataclass(frozen=True)
class Candidate:
    page_id: int
    title: str
    tags: frozenset[str]


@dataclass(frozen=True)
class Match:
    page_id: int
    score: int
    matched: tuple[str, ...]  # the child's keys this page speaks to, most important first


def match_pages(moments: CareMoments, candidates: Iterable[Candidate], limit: int | None = None) -> list[Match]:
    keys = moments.keys
    found: list[tuple[int, int, str, Match]] = []
    for cand in candidates:
        common = keys & cand.tags
        if not common:
            continue
        ordered = tuple(sorted(common, key=lambda k: (-WEIGHTS.get(k, 0), k)))
        score = sum(WEIGHTS.get(k, 0) for k in common)
        best = WEIGHTS.get(ordered[0], 0)
        found.append((best, score, cand.title.lower(), Match(cand.page_id, score, ordered)))
    found.sort(key=lambda row: (-row[0], -row[1], row[2]))
    matches = [row[3] for row in found]
    return matches[:limit] if limit else matches
