"""One complete scenario the schemes decide on, knowing which of its values are assumed."""

from __future__ import annotations

from dataclasses import dataclass, field

from patients.ages import Age
from patients.units import mrd_text

from .inputs import MRD_LABELS
from .markers import MARKER_CLASSES


@dataclass(frozen=True)
class Facts:
    age: Age  # calendar age at diagnosis: compare with cut-offs via age.reached(years)
    lineage: str
    wbc_per_ul: float
    cns_status: str
    testicular: bool
    steroid_pretreatment: bool
    induction_failure: bool
    genetics: tuple[tuple[str, str], ...]
    mrd: dict = field(hash=False)  # timepoint -> % (a concrete value in this scenario)
    assumed: frozenset = frozenset()  # names of facts that stand in for missing inputs
    names: dict = field(default_factory=dict, hash=False, compare=False)  # marker code -> display name
    # timepoint -> sensitivity (%) of a result recorded as "not detected": its reason says so, not "0%".
    not_detected: dict = field(default_factory=dict, hash=False, compare=False)

    def markers(self, classification: str) -> list[str]:
        """Display names of the markers with this classification."""
        return sorted(self.names.get(code, code) for code, cls in self.genetics if cls == classification)

    def markers_for(self, scheme: str, cls: str) -> list[str]:
        """Display names of the markers that `scheme` puts in class `cls` (patients/risk/markers.py)."""
        return sorted(
            self.names.get(code, code)
            for code, general in self.genetics
            if MARKER_CLASSES.class_of(scheme, code, general) == cls
        )

    def has_marker(self, codes) -> list[str]:
        """Display names of the markers among `codes` that are present."""
        present = {code for code, _ in self.genetics}
        return sorted(self.names.get(code, code) for code in present & set(codes))

    def note(self, text: str, *names: str) -> str:
        """A reason sentence, flagged when it rests on an assumed (not yet known) input."""
        if any(n in self.assumed for n in names):
            return f"{text} (assumed)"
        return text

    def mrd_compared(self, timepoint: str, sign: str, threshold: float) -> str:
        """ "day-29 MRD 0.02% is ≥ 0.01%"; a result not detected at or below the threshold says so once
        ("day-29 MRD not detected (< 0.01%)"), not "not detected (< 0.01%) is < 0.01%"."""
        text = self.mrd_text(timepoint)
        limit = self.not_detected.get(timepoint)
        known = f"mrd:{timepoint}" not in self.assumed
        if sign == "<" and known and limit is not None and limit <= threshold:
            return text
        return f"{text} is {sign} {threshold:g}%"

    def mrd_text(self, timepoint: str) -> str:
        label = MRD_LABELS.get(timepoint, timepoint)
        if f"mrd:{timepoint}" in self.assumed:
            return f"{label} (not yet available)"
        if timepoint in self.not_detected:
            return f"{label} {mrd_text(None, self.not_detected[timepoint])}"
        return f"{label} {mrd_text(self.mrd[timepoint], None)}"
