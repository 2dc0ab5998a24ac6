"""Risk stratification engine for childhood ALL, pure Python (no Django imports).

Callers build a RiskInputs and a SchemeConfig from the record and call evaluate(scheme_key, ...).
Each scheme (NCI/Rome, COG AALL08B1, St. Jude Total XVI) carries its version and cited source;
centre choices (age cut-offs, CNS2/testicular handling, marker lists) come in through SchemeConfig,
which the Django side loads from the admin-editable RiskSchemeConfig model. A genetic marker's
class is per scheme (markers.py: data with sources, checked when loaded). While inputs are
missing a result is "pending" (RiskResult.headline: the groups still possible and what is missing).
"""

from .config import SchemeConfig
from .engine import evaluate
from .inputs import Mrd, RiskInputs
from .result import RiskResult
from .schemes import SCHEMES, get_scheme

__all__ = ["SCHEMES", "Mrd", "RiskInputs", "RiskResult", "SchemeConfig", "evaluate", "get_scheme"]
