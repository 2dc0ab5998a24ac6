"""Genetic marker classes per risk scheme, as data with sources (shared/domain.md §2 and §6).

A marker's meaning depends on the scheme: COG AALL08B1 sorts markers into favourable, neutral and
unfavourable; St. Jude Total XV/XVI uses its own classes (markers that make a child provisionally
low risk, markers that keep a child at provisional standard risk, and markers that mean high
risk). TCF3::PBX1 is the example: neutral in COG, but it keeps a St. Jude child at standard risk
even when the child is otherwise NCI standard risk.

MARKER_CLASS_DATA is loaded by `load_marker_classes`, which refuses an unknown scheme, an unknown
marker code, a class the scheme does not define, or an entry without a source, and loads nothing
then. A marker the table does not name for a scheme (e.g. one an admin added later) falls back on
the record's general classification through the scheme's `fallback`.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

# The portal's genetic-marker vocabulary (GeneticMarker.code, patients/migrations/0003).
MARKER_CODES = frozenset(
    {
        "ETV6_RUNX1",
        "HIGH_HYPERDIPLOIDY",
        "DOUBLE_TRISOMY_4_10",
        "HYPODIPLOIDY",
        "KMT2A_R",
        "BCR_ABL1",
        "PH_LIKE",
        "IAMP21",
        "TCF3_PBX1",
        "TCF3_HLF",
    }
)

# Classes each scheme knows, and how a record's general classification maps onto them when the
# scheme's table does not name a marker.
SCHEME_CLASSES = {
    "nci_rome": {
        "classes": ("not_used",),
        "fallback": {"favourable": "not_used", "neutral": "not_used", "unfavourable": "not_used"},
    },
    "cog_aall08b1": {
        "classes": ("favourable", "neutral", "unfavourable"),
        "fallback": {"favourable": "favourable", "neutral": "neutral", "unfavourable": "unfavourable"},
    },
    "stjude_total16": {
        "classes": ("low", "neutral", "standard", "high"),
        # An unlisted favourable marker does not make a child low risk on its own in Total XVI.
        "fallback": {"favourable": "neutral", "neutral": "neutral", "unfavourable": "standard"},
    },
}

_PDQ = "PDQ Childhood ALL Treatment (HP), 2024; Smith M et al., J Clin Oncol 1996;14:18-24"
_COG = "COG AALL08B1 (Schultz KR et al., Blood 2007;109:926-35; PDQ Childhood ALL Treatment (HP), 2024)"
_SJ = (
    "St. Jude Total XV/XVI (Pui CH et al., N Engl J Med 2009;360:2730-41; Jeha S et al., J Clin Oncol 2019;37:3377-91)"
)


def _table(source: str, **codes_by_class: tuple[str, ...]) -> dict:
    """{code: {"class": ..., "source": ...}} from the codes of each class, all from one source."""
    return {code: {"class": cls, "source": source} for cls, codes in codes_by_class.items() for code in codes}


MARKER_CLASS_DATA = {
    "version": "2026-12",
    "schemes": {
        # NCI/Rome decides on age and white count only; genetics do not enter it.
        "nci_rome": _table(_PDQ, not_used=tuple(sorted(MARKER_CODES))),
        "cog_aall08b1": _table(
            _COG,
            favourable=("ETV6_RUNX1", "HIGH_HYPERDIPLOIDY", "DOUBLE_TRISOMY_4_10"),
            neutral=("TCF3_PBX1",),
            unfavourable=("HYPODIPLOIDY", "KMT2A_R", "BCR_ABL1", "PH_LIKE", "IAMP21", "TCF3_HLF"),
        ),
        "stjude_total16": _table(
            _SJ,
            # Provisional low: ETV6::RUNX1 or DNA index >= 1.16 (recorded as high hyperdiploidy).
            low=("ETV6_RUNX1", "HIGH_HYPERDIPLOIDY"),
            # Not a low-risk marker here; NCI standard risk alone can still make the child low.
            neutral=("DOUBLE_TRISOMY_4_10",),
            # Provisional standard, never low (TCF3::PBX1, which COG counts neutral, and the
            # unfavourable markers other than BCR::ABL1).
            standard=("TCF3_PBX1", "HYPODIPLOIDY", "KMT2A_R", "PH_LIKE", "IAMP21", "TCF3_HLF"),
            # High: BCR::ABL1 (Ph-positive).
            high=("BCR_ABL1",),
        ),
    },
}


class MarkerClassError(ValueError):
    """The marker-class data names something the portal does not know; nothing was loaded."""


@dataclass(frozen=True)
class MarkerClass:
    scheme: str
    code: str
    cls: str
    source: str


@dataclass(frozen=True)
class MarkerClasses:
    version: str
    by_scheme: MappingProxyType  # scheme -> {code: MarkerClass}

    def class_of(self, scheme: str, code: str, general: str) -> str:
        """The class of `code` in `scheme`; the scheme's fallback for the record's general class otherwise."""
        entry = self.by_scheme.get(scheme, {}).get(code)
        if entry is not None:
            return entry.cls
        return SCHEME_CLASSES[scheme]["fallback"].get(general, SCHEME_CLASSES[scheme]["classes"][0])

    def codes(self, scheme: str, cls: str) -> tuple[str, ...]:
        return tuple(sorted(code for code, e in self.by_scheme.get(scheme, {}).items() if e.cls == cls))

    def source(self, scheme: str, code: str) -> str | None:
        entry = self.by_scheme.get(scheme, {}).get(code)
        return entry.source if entry is not None else None


def load_marker_classes(data: dict, *, schemes=None, markers=MARKER_CODES) -> MarkerClasses:
    """Validate and load marker-class data; raise MarkerClassError naming every unknown value."""
    known_schemes = SCHEME_CLASSES if schemes is None else schemes
    errors: list[str] = []
    version = data.get("version")
    if not version:
        errors.append("marker classes: no version")
    loaded: dict[str, dict[str, MarkerClass]] = {}
    for scheme, table in (data.get("schemes") or {}).items():
        if scheme not in known_schemes or scheme not in SCHEME_CLASSES:
            errors.append(f"marker classes: unknown scheme {scheme!r}")
            continue
        allowed = SCHEME_CLASSES[scheme]["classes"]
        for code, entry in table.items():
            where = f"marker classes {scheme}/{code}"
            if code not in markers:
                errors.append(f"{where}: unknown marker {code!r}")
                continue
            cls, source = entry.get("class"), entry.get("source")
            if cls not in allowed:
                errors.append(f"{where}: class {cls!r} is not one of {', '.join(allowed)}")
            if not source:
                errors.append(f"{where}: no source")
            loaded.setdefault(scheme, {})[code] = MarkerClass(scheme, code, cls, source)
    if errors:
        raise MarkerClassError("; ".join(errors))
    return MarkerClasses(
        version=version, by_scheme=MappingProxyType({s: MappingProxyType(t) for s, t in loaded.items()})
    )


MARKER_CLASSES = load_marker_classes(MARKER_CLASS_DATA)
