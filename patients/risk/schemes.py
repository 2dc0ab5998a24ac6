"""The risk schemes. Each decides one complete scenario; engine.py handles missing inputs.

Every scheme lists its groups from lowest to highest risk; `decide` returns one of them and the
reasons in words. Definitions: shared/domain.md §2 (PDQ Childhood ALL Treatment, HP version;
Blood 2007;109:926; COG AALL08B1; St. Jude Total XV/XVI).
"""

from __future__ import annotations

from .config import SchemeConfig
from .facts import Facts
from .markers import MARKER_CLASSES

MRD_THRESHOLD = 0.01  # % (1 leukaemic cell in 10,000)


def _years(cutoff: float) -> str:
    """A cut-off in words: "1 year", "10 years", "1.5 years"."""
    return f"{cutoff:g} year{'' if cutoff == 1 else 's'}"


def _nci_standard(f: Facts, cfg: SchemeConfig) -> tuple[bool, list[str]]:
    """NCI/Rome: standard risk = age sr_min to < sr_max years and WBC < cut-off."""
    reasons = []
    # Calendar cut-offs: 1 to <10 years means from the 1st birthday to the day before the 10th.
    age_ok = f.age.reached(cfg.sr_age_min_years) and not f.age.reached(cfg.sr_age_max_years)
    wbc_ok = f.wbc_per_ul < cfg.wbc_cutoff_per_ul
    if not f.age.reached(cfg.sr_age_min_years):
        age_text = f"age {f.age} is under {_years(cfg.sr_age_min_years)}"
    elif f.age.reached(cfg.sr_age_max_years):
        age_text = f"age {f.age} is {_years(cfg.sr_age_max_years)} or older"
    else:
        age_text = f"age {f.age} is within {cfg.sr_age_min_years:g} to <{_years(cfg.sr_age_max_years)}"
    reasons.append(f.note(age_text, "age_years"))
    reasons.append(
        f.note(
            f"white count {f.wbc_per_ul:,.0f}/µL is {'below' if wbc_ok else 'at or above'} "
            f"{cfg.wbc_cutoff_per_ul:,.0f}/µL",
            "wbc_per_ul",
        )
    )
    return age_ok and wbc_ok, reasons


class Scheme:
    key: str
    name: str
    version: str
    source: str
    groups: tuple[str, ...]
    mrd_timepoints: tuple[str, ...] = ()

    def decide(self, f: Facts, cfg: SchemeConfig) -> tuple[str, list[str]]:
        raise NotImplementedError

    def rank(self, group: str) -> int:
        return self.groups.index(group)

    def at_least(self, group: str, floor: str) -> str:
        return group if self.rank(group) >= self.rank(floor) else floor


class NciRome(Scheme):
    key = "nci_rome"
    name = "NCI/Rome"
    version = "1996"
    source = "Smith M et al., J Clin Oncol 1996;14:18-24; PDQ Childhood ALL Treatment (HP), 2024"
    groups = ("standard", "high", "very_high")

    def decide(self, f, cfg):
        if f.lineage != "B":
            return "high", [
                f.note(f"{f.lineage}-lineage ALL: the NCI/Rome age and white-count criteria apply to B-ALL", "lineage"),
                "non-B lineage is treated as high risk",
            ]
        if not f.age.reached(cfg.sr_age_min_years):
            return "very_high", [f.note(f"infant: age {f.age} is under {_years(cfg.sr_age_min_years)}", "age_years")]
        standard, reasons = _nci_standard(f, cfg)
        return ("standard" if standard else "high"), reasons


class CogAall08b1(Scheme):
    key = "cog_aall08b1"
    name = "COG AALL08B1"
    version = "2010"
    source = "Children's Oncology Group AALL08B1 risk classification; PDQ Childhood ALL Treatment (HP), 2024"
    groups = ("low", "average", "high", "very_high")
    mrd_timepoints = ("day8", "day29")

    def decide(self, f, cfg):
        reasons: list[str] = []
        if f.lineage != "B":
            return "high", [
                f.note(f"{f.lineage}-lineage ALL is not classified by AALL08B1 (a B-ALL scheme)", "lineage"),
                "shown as high risk until a T-ALL protocol assigns risk",
            ]
        unfavourable = f.markers_for(self.key, "unfavourable")
        if unfavourable:
            return "very_high", [f.note("unfavourable genetics: " + ", ".join(unfavourable), "genetics")]
        if f.induction_failure:
            return "very_high", ["induction failure"]
        if not f.age.reached(cfg.sr_age_min_years):
            return "very_high", [f.note(f"infant: age {f.age} is under {_years(cfg.sr_age_min_years)}", "age_years")]
        standard, nci_reasons = _nci_standard(f, cfg)
        reasons += nci_reasons
        if standard and f.steroid_pretreatment and cfg.steroid_pretreatment_is_high:
            standard = False
            reasons.append("steroids before diagnosis: counted as NCI high risk (centre setting)")
        d8, d29 = f.mrd["day8"], f.mrd["day29"]
        d29_pos = d29 >= MRD_THRESHOLD
        reasons.append(f.note(f.mrd_compared("day29", "≥" if d29_pos else "<", MRD_THRESHOLD), "mrd:day29"))
        if not standard:
            reasons.insert(0, "NCI high risk")
            if f.age.reached(cfg.very_high_age_years):
                group = "very_high"
                reasons.append(
                    f.note(f"NCI high risk aged {_years(cfg.very_high_age_years)} or older (age {f.age})", "age_years")
                )
            else:
                group = "very_high" if d29_pos else "high"
        else:
            reasons.insert(0, "NCI standard risk")
            favourable = f.markers_for(self.key, "favourable")
            if favourable:
                reasons.append(f.note("favourable genetics: " + ", ".join(favourable), "genetics"))
                if d29_pos:
                    group = "high"
                else:
                    group = "low" if d8 < MRD_THRESHOLD else "average"
                    reasons.append(f.note(f.mrd_compared("day8", "<" if d8 < MRD_THRESHOLD else "≥", 0.01), "mrd:day8"))
            else:
                reasons.append(f.note("neutral genetics", "genetics"))
                if d29_pos:
                    group = "very_high"
                else:
                    group = "average" if d8 < 1 else "high"
                    reasons.append(f.note(f.mrd_compared("day8", "<" if d8 < 1 else "≥", 1), "mrd:day8"))
        # Extramedullary disease (centre settings): only ever raises the group.
        if f.cns_status == "CNS3" and cfg.cns3_is_high:
            group = self.at_least(group, "high")
            reasons.append(f.note("CNS3: at least high risk", "cns_status"))
        if f.cns_status == "CNS2" and cfg.cns2_handling != "ignore":
            group = self.at_least(group, "high" if cfg.cns2_handling == "high" else "average")
            reasons.append(f.note(f"CNS2: {cfg.cns2_handling.replace('_', ' ')} (centre setting)", "cns_status"))
        if f.testicular and cfg.testicular_is_high:
            group = self.at_least(group, "high")
            reasons.append("testicular involvement: at least high risk (centre setting)")
        return group, reasons


class StJudeTotalXVI(Scheme):
    key = "stjude_total16"
    name = "St. Jude Total XVI"
    version = "2019 (NCT00549848)"
    source = "Jeha S et al., J Clin Oncol 2019;37:3377-91; Pui CH et al., N Engl J Med 2009;360:2730 (Total XV)"
    groups = ("low", "standard", "high")
    mrd_timepoints = ("day15", "day42", "end_consolidation")

    def decide(self, f, cfg):
        reasons: list[str] = []
        high_markers = f.has_marker(cfg.stjude_high_markers)
        if high_markers:
            return "high", [f.note("high-risk genetics: " + ", ".join(high_markers), "genetics")]
        if f.induction_failure:
            return "high", ["induction failure"]
        d15, d42, cons = f.mrd["day15"], f.mrd["day42"], f.mrd["end_consolidation"]
        if d42 >= 1:
            return "high", [f.note(f.mrd_compared("day42", "≥", 1), "mrd:day42")]
        if d42 >= MRD_THRESHOLD and cons >= MRD_THRESHOLD:
            return "high", [
                f.note(f.mrd_compared("day42", "≥", 0.01), "mrd:day42"),
                f.note(f"MRD persists in consolidation ({cons:g}%)", "mrd:end_consolidation"),
            ]
        # Provisional low: NCI standard-risk B-ALL, or a favourable marker; exclusions below.
        low_markers = f.has_marker(cfg.stjude_low_markers)
        standard_nci, nci_reasons = _nci_standard(f, cfg) if f.lineage == "B" else (False, [])
        low = f.lineage == "B" and (standard_nci or bool(low_markers))
        if f.lineage != "B":
            reasons.append(f.note(f"{f.lineage}-lineage ALL is not eligible for low risk", "lineage"))
        elif standard_nci:
            reasons += ["NCI standard-risk B-ALL", *nci_reasons]
        elif low_markers:
            reasons.append(f.note("favourable genetics: " + ", ".join(low_markers), "genetics"))
        else:
            reasons += ["NCI high-risk B-ALL without a favourable marker", *nci_reasons]
        exclusions = []
        if f.cns_status == "CNS3":
            exclusions.append(f.note("CNS3", "cns_status"))
        if f.cns_status == "CNS2" and cfg.cns2_handling != "ignore":
            exclusions.append(f.note("CNS2 (centre setting)", "cns_status"))
        if f.testicular:
            exclusions.append("testicular disease")
        # Markers this scheme keeps at provisional standard (e.g. TCF3::PBX1), unless listed as low or high.
        listed = set(cfg.stjude_low_markers) | set(cfg.stjude_high_markers)
        standard_markers = [
            f.names.get(code, code)
            for code, general in sorted(f.genetics)
            if code not in listed and MARKER_CLASSES.class_of(self.key, code, general) in ("standard", "high")
        ]
        if standard_markers:
            exclusions.append(f.note("genetics that keep standard risk: " + ", ".join(standard_markers), "genetics"))
        if not f.age.reached(cfg.sr_age_min_years):
            exclusions.append(f.note(f"infant (age {f.age})", "age_years"))
        if d15 >= 1:
            exclusions.append(f.note(f.mrd_compared("day15", "≥", 1), "mrd:day15"))
        if d42 >= MRD_THRESHOLD:
            exclusions.append(f.note(f.mrd_compared("day42", "≥", 0.01), "mrd:day42"))
        if low and not exclusions:
            reasons.append(f.note(f.mrd_compared("day15", "<", 1), "mrd:day15"))
            reasons.append(f.note(f.mrd_compared("day42", "<", 0.01), "mrd:day42"))
            return "low", reasons
        if exclusions:
            reasons.append("standard risk because of: " + "; ".join(exclusions))
        return "standard", reasons


SCHEMES: dict[str, Scheme] = {s.key: s for s in (NciRome(), CogAall08b1(), StJudeTotalXVI())}


def get_scheme(key: str) -> Scheme:
    try:
        return SCHEMES[key]
    except KeyError:
        raise ValueError(f"unknown risk scheme {key!r}") from None
