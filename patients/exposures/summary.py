"""The ExposureSummary value object (pure Python; the signal is in signals.py).

Field names are the vocabulary the late-effects rule sets use in their criteria
(e.g. `anthracycline_dox_eq_mg_m2 >= 250`), so renaming one is a rule-set format change.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date


@dataclass(frozen=True)
class ExposureSummary:
    # Chemotherapy, cumulative per m² of body surface area.
    anthracycline_dox_eq_mg_m2: float = 0.0  # doxorubicin-equivalent, factors as versioned data
    cyclophosphamide_mg_m2: float = 0.0
    # Cyclophosphamide-equivalent dose of every alkylating agent (Green 2014; factors as versioned data).
    ced_mg_m2: float = 0.0
    any_alkylator: bool = False
    any_corticosteroid: bool = False
    corticosteroid_long_courses: int = 0  # courses of >= 4 continuous weeks
    any_vinca_alkaloid: bool = False
    any_methotrexate: bool = False
    high_dose_methotrexate: bool = False  # IV >= 1 g/m² in one administration
    high_dose_cytarabine: bool = False  # IV >= 1 g/m² in one administration
    any_thiopurine: bool = False  # 6-mercaptopurine or 6-thioguanine
    intrathecal_chemotherapy: bool = False
    any_asparaginase: bool = False
    # Radiation, total Gy by field; 0 when none.
    cranial_radiation_gy: float = 0.0
    cranial_radiation_age_years: float | None = None  # age at the start of cranial RT
    heart_radiation_gy: float = 0.0  # chest / mediastinum / whole-lung / TBI fields that include the heart
    tbi: bool = False
    tbi_gy: float = 0.0
    # Transplant and transfusions.
    hsct: bool = False
    red_cell_transfusions: int = 0
    transfusion_before_1993: bool = False
    transfusion_before_1972: bool = False
    # Inherited predisposition syndromes (controlled-list codes), for genetic-counselling rules.
    predisposition_syndromes: tuple[str, ...] = field(default_factory=tuple)
    # Dates the late-effects plan is timed from.
    therapy_start: date | None = None
    therapy_end: date | None = None
    source: str = "timeline"  # "timeline" or "manual"

    def as_dict(self) -> dict:
        data = asdict(self)
        data["predisposition_syndromes"] = list(self.predisposition_syndromes)
        return data
