"""Centre choices the schemes read. Defaults follow the cited definitions (shared/domain.md §2)."""

from __future__ import annotations

from dataclasses import dataclass

from .markers import MARKER_CLASSES


@dataclass(frozen=True)
class SchemeConfig:
    # NCI/Rome standard risk: sr_age_min <= age < sr_age_max and WBC < wbc_cutoff (Smith, JCO 1996).
    sr_age_min_years: float = 1.0
    sr_age_max_years: float = 10.0
    wbc_cutoff_per_ul: float = 50_000.0
    # COG AALL08B1: NCI high-risk children of this age or older are very high risk.
    very_high_age_years: float = 13.0
    # Centres differ on CNS2: "ignore", "not_low" (never low risk) or "high".
    cns2_handling: str = "not_low"
    # COG counts testicular disease as high risk; most other groups do not.
    testicular_is_high: bool = True
    # CNS3 raises COG risk to at least this group.
    cns3_is_high: bool = True
    # Steroids before diagnosis hide the presenting white count: COG treats such children as NCI high risk.
    steroid_pretreatment_is_high: bool = True
    # St. Jude Total XVI: markers that make a child provisionally low / high risk (GeneticMarker codes).
    # Defaults: the St. Jude classes in the marker-class data (markers.py), which also says which
    # markers keep a child at standard risk there.
    stjude_low_markers: tuple[str, ...] = MARKER_CLASSES.codes("stjude_total16", "low")
    stjude_high_markers: tuple[str, ...] = MARKER_CLASSES.codes("stjude_total16", "high")

    def as_dict(self) -> dict:
        from dataclasses import asdict

        data = asdict(self)
        data["stjude_low_markers"] = list(self.stjude_low_markers)
        data["stjude_high_markers"] = list(self.stjude_high_markers)
        data["marker_classes_version"] = MARKER_CLASSES.version
        return data
