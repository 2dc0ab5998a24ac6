"""White-count units, Mosteller BSA and the Steinherz/Bleyer traumatic-tap rule."""

import pytest

from patients.risk.cns import effective_cns_status, steinherz_bleyer_is_cns3
from patients.units import mosteller_bsa, wbc_from_per_ul, wbc_to_per_ul


@pytest.mark.parametrize(
    ("value", "unit", "per_ul"),
    [(50, "e9_per_l", 50_000), (50_000, "per_ul", 50_000), (0.8, "e9_per_l", 800), (123.4, "e9_per_l", 123_400)],
)
def test_wbc_normalised_to_per_ul(value, unit, per_ul):
    assert wbc_to_per_ul(value, unit) == pytest.approx(per_ul)
    assert wbc_from_per_ul(per_ul, unit) == pytest.approx(value)


def test_unknown_wbc_unit_refused():
    with pytest.raises(ValueError):
        wbc_to_per_ul(5, "per_ml")


def test_mosteller():
    assert mosteller_bsa(110, 19) == pytest.approx(0.762, abs=0.0005)  # sqrt(110 × 19 / 3600) = 0.7619
    assert mosteller_bsa(180, 80) == pytest.approx(2.0, abs=0.001)
    with pytest.raises(ValueError):
        mosteller_bsa(0, 10)


def test_steinherz_bleyer():
    # Blood WBC/RBC = 100,000 / 3,000,000 = 0.0333; twice that = 0.0667.
    assert steinherz_bleyer_is_cns3(csf_wbc=80, csf_rbc=1000, blood_wbc=100_000, blood_rbc=3_000_000)  # 0.08
    assert not steinherz_bleyer_is_cns3(csf_wbc=60, csf_rbc=1000, blood_wbc=100_000, blood_rbc=3_000_000)  # 0.06
    status, why = effective_cns_status("TLP_BLASTS", csf_wbc=80, csf_rbc=1000, blood_wbc=100_000, blood_rbc=3_000_000)
    assert status == "CNS3" and "Steinherz/Bleyer" in why
    assert effective_cns_status("TLP_BLASTS", csf_wbc=60, csf_rbc=1000, blood_wbc=100_000, blood_rbc=3e6)[0] == "CNS2"
    assert effective_cns_status("TLP_BLASTS")[0] is None  # counts missing: unknown, so risk stays provisional
    assert effective_cns_status("CNS1", cranial_nerve_palsy=True)[0] == "CNS3"
    assert effective_cns_status("CNS2")[0] == "CNS2"
