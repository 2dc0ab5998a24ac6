"""Evaluate a scheme on possibly incomplete inputs.

Missing inputs (None, or MRD not yet done / "negative" at a sensitivity too coarse to decide) are
replaced by representative values on each side of every cut-off the schemes use, and the scheme
decides each resulting scenario. One outcome → a final result. Several → a provisional result,
"pending": the groups still possible from lowest to highest and the inputs whose value would
change it. `group` then holds the lowest reachable group for ordering and storage only; it is
never shown on its own (RiskResult.headline), and families never see a provisional group. This keeps the schemes
themselves free of "if missing" branches, so each reads like its published definition.
"""

from __future__ import annotations

import itertools

from patients.ages import Age, cutoff_months

from .config import SchemeConfig
from .facts import Facts
from .inputs import MRD_LABELS, Mrd, RiskInputs
from .result import RiskResult, group_range, group_words
from .schemes import get_scheme

MRD_CANDIDATES = (0.0, 0.05, 5.0)  # below 0.01 %, between 0.01 and 1 %, 1 % or more

LABELS = {
    "age_years": "age at diagnosis",
    "lineage": "lineage",
    "wbc_per_ul": "white count at diagnosis",
    "cns_status": "CNS status",
    "genetics": "genetics results",
}


def _mrd_candidates(result: Mrd | None) -> tuple[float, ...]:
    if result is None:
        return MRD_CANDIDATES
    if result.value_pct is not None:
        return (float(result.value_pct),)
    below = result.negative_below_pct
    if below is None:
        return MRD_CANDIDATES
    return tuple(c for c in MRD_CANDIDATES if c < below) or (0.0,)


def _age_candidates(cfg: SchemeConfig) -> tuple[Age, ...]:
    """One calendar age in each band between the age cut-offs (in whole months, as the schemes compare)."""
    lo, hi, vh = (cutoff_months(c) for c in (cfg.sr_age_min_years, cfg.sr_age_max_years, cfg.very_high_age_years))
    return tuple(Age.from_months(m) for m in (lo // 2, (lo + hi) // 2, (hi + vh) // 2, vh + 12))


def _dimensions(scheme, inputs: RiskInputs, cfg: SchemeConfig) -> list[tuple[str, tuple]]:
    dims = [
        ("age_years", (inputs.age,) if inputs.age is not None else _age_candidates(cfg)),
        ("lineage", (inputs.lineage,) if inputs.lineage else ("B", "T")),
        (
            "wbc_per_ul",
            (inputs.wbc_per_ul,)
            if inputs.wbc_per_ul is not None
            else (cfg.wbc_cutoff_per_ul / 2, cfg.wbc_cutoff_per_ul * 2),
        ),
        ("cns_status", (inputs.cns_status,) if inputs.cns_status else ("CNS1", "CNS2", "CNS3")),
    ]
    known = tuple(sorted(inputs.genetics))
    if not inputs.genetics_pending:
        dims.append(("genetics", (known,)))
    else:
        extra = [(), (("(pending favourable)", "favourable"),), (("(pending unfavourable)", "unfavourable"),)]
        extra += [((code, "favourable"),) for code in cfg.stjude_low_markers[:1]]
        extra += [((code, "unfavourable"),) for code in cfg.stjude_high_markers[:1]]
        dims.append(("genetics", tuple(known + e for e in extra)))
    for timepoint in scheme.mrd_timepoints:
        dims.append((f"mrd:{timepoint}", _mrd_candidates(inputs.mrd_at(timepoint))))
    return dims


def evaluate(scheme_key: str, inputs: RiskInputs, cfg: SchemeConfig | None = None) -> RiskResult:
    cfg = cfg or SchemeConfig()
    scheme = get_scheme(scheme_key)
    dims = _dimensions(scheme, inputs, cfg)
    names = [name for name, _ in dims]
    unknown = frozenset(name for name, options in dims if len(options) > 1)
    names_by_code = dict(inputs.marker_names)
    outcomes: dict[tuple, tuple[str, list[str]]] = {}
    not_detected = {
        tp: m.negative_below_pct for tp, m in inputs.mrd if m.value_pct is None and m.negative_below_pct is not None
    }
    for combo in itertools.product(*(options for _, options in dims)):
        values = dict(zip(names, combo, strict=True))
        facts = Facts(
            age=values["age_years"],
            lineage=values["lineage"],
            wbc_per_ul=values["wbc_per_ul"],
            cns_status=values["cns_status"],
            testicular=inputs.testicular,
            steroid_pretreatment=inputs.steroid_pretreatment,
            induction_failure=inputs.induction_failure,
            genetics=values["genetics"],
            mrd={n.split(":", 1)[1]: v for n, v in values.items() if n.startswith("mrd:")},
            assumed=unknown,
            names=names_by_code,
            not_detected=not_detected,
        )
        outcomes[combo] = scheme.decide(facts, cfg)
    groups = sorted({group for group, _ in outcomes.values()}, key=scheme.rank)
    chosen = groups[0]
    reasons = next(r for g, r in outcomes.values() if g == chosen)
    missing: list[str] = []
    if len(groups) > 1:
        for index, name in enumerate(names):
            if name not in unknown:
                continue
            by_rest: dict[tuple, set] = {}
            for combo, (group, _) in outcomes.items():
                by_rest.setdefault(combo[:index] + combo[index + 1 :], set()).add(group)
            if any(len(found) > 1 for found in by_rest.values()):
                missing.append(MRD_LABELS[name[4:]] if name.startswith("mrd:") else LABELS[name])
        reasons = [
            *reasons,
            f"pending: still possible {group_range(groups)} ({', '.join(group_words(g) for g in groups)})",
        ]
    return RiskResult(
        scheme=scheme.key,
        scheme_version=scheme.version,
        source=scheme.source,
        group=chosen,
        provisional=len(groups) > 1,
        missing=tuple(missing),
        reasons=tuple(reasons),
        possible_groups=tuple(groups),
    )
