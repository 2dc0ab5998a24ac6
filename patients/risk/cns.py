"""CNS status from the lumbar puncture, including the Steinherz/Bleyer rule for traumatic taps.

Sources: PDQ Childhood ALL Treatment (HP version); Bürger et al., J Clin Oncol 2003;21:184
(traumatic-tap algorithm after Steinherz/Bleyer): with blasts in a bloody tap, the CSF is CNS3
when CSF WBC/RBC > 2 × blood WBC/RBC.
"""

from __future__ import annotations

TRAUMATIC_WITH_BLASTS = "TLP_BLASTS"


def steinherz_bleyer_is_cns3(csf_wbc: float, csf_rbc: float, blood_wbc: float, blood_rbc: float) -> bool:
    """CSF WBC/RBC > 2 × blood WBC/RBC (all four counts in the same unit per µL)."""
    if min(csf_rbc, blood_rbc) <= 0:
        raise ValueError("red cell counts must be positive")
    return csf_wbc / csf_rbc > 2 * (blood_wbc / blood_rbc)


def effective_cns_status(
    status: str | None,
    *,
    csf_wbc: float | None = None,
    csf_rbc: float | None = None,
    blood_wbc: float | None = None,
    blood_rbc: float | None = None,
    cranial_nerve_palsy: bool = False,
) -> tuple[str | None, str]:
    """The CNS1/2/3 status the risk schemes use, and a sentence saying how it was reached."""
    if cranial_nerve_palsy:
        return "CNS3", "cranial nerve palsy counts as CNS3"
    if status != TRAUMATIC_WITH_BLASTS:
        return status, f"{status} recorded" if status else "CNS status not recorded"
    counts = (csf_wbc, csf_rbc, blood_wbc, blood_rbc)
    if any(c is None for c in counts) or min(csf_rbc, blood_rbc) <= 0:
        return None, "traumatic tap with blasts: CSF and blood counts needed for the Steinherz/Bleyer calculation"
    csf_ratio, blood_ratio = csf_wbc / csf_rbc, blood_wbc / blood_rbc
    if steinherz_bleyer_is_cns3(csf_wbc, csf_rbc, blood_wbc, blood_rbc):
        return "CNS3", (
            f"traumatic tap with blasts: CSF WBC/RBC {csf_ratio:.4g} > 2 × blood WBC/RBC {blood_ratio:.4g}"
            " (Steinherz/Bleyer), so CNS3"
        )
    return "CNS2", (
        f"traumatic tap with blasts: CSF WBC/RBC {csf_ratio:.4g} ≤ 2 × blood WBC/RBC {blood_ratio:.4g}"
        " (Steinherz/Bleyer), counted as CNS2"
    )
