"""The record at a glance and its plots: what the pages show, what families see, and query counts."""

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats

from patients.clinical import plot_series, selectors, services
from patients.late_effects.selectors import dose_thresholds
from patients.models import MrdResult, RiskAssessment
from patients.models.timeline import MRD_NOT_DETECTED_MSGID
from patients.risk.facts import Facts
from patients.units import MRD_NOT_DETECTED
from tests.patients.factories import PLOT_KINDS, add_chemo, add_entry, bulk_plot_history
from tests.patients.late_effects.factories import load_default_ruleset

pytestmark = pytest.mark.django_db


def short(day: date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def figure(html: str, key: str) -> str:
    match = re.search(rf'<figure class="plot-figure" id="{key}">(.*?)</figure>', html, re.S)
    assert match, key
    return match.group(1)


def svg_of(fragment: str) -> ET.Element:
    return ET.fromstring(re.search(r"<svg .*?</svg>", fragment, re.S).group(0))  # noqa: S314 - our own page


def table_rows(fragment: str) -> list[list[str]]:
    body = re.search(r"<tbody>(.*?)</tbody>", fragment, re.S).group(1)
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)] for r in rows
    ]


def classes(root, name):
    return [n for n in root.iter() if name in (n.get("class") or "").split()]


@pytest.fixture
def record(clinician, patient):
    load_default_ruleset()
    start = date.today() - timedelta(days=60)
    services.save_phase(clinician, patient, {"key": "induction", "actual_start": start})
    add_entry(clinician, patient, "mrd", start + timedelta(days=8), {"timepoint": "day8", "sample": "blood",
              "method": "flow", "value_pct": 0.05}, visibility="released")  # fmt: skip
    add_entry(clinician, patient, "mrd", start + timedelta(days=29), {"timepoint": "day29", "sample": "marrow",
              "method": "flow", "negative_below_pct": 0.01})  # fmt: skip
    add_entry(clinician, patient, "lumbar_puncture", start, {"it_drugs": ["methotrexate"]})
    add_entry(
        clinician, patient, "lab", start + timedelta(days=3), {"test_name": "ANC", "value": "0.4", "unit": "×10⁹/L"}
    )
    add_entry(
        clinician, patient, "lab", start + timedelta(days=9), {"test_name": "anc", "value": "1.8", "unit": "×10⁹/L"}
    )
    add_chemo(clinician, patient, start + timedelta(days=1), "daunorubicin", 25, doses=4)
    add_entry(clinician, patient, "appointment", date.today() + timedelta(days=5), title="Clinic visit")
    return patient


def test_record_page_shows_the_banner_menu_and_four_kinds_of_plot(clinician_client, record):
    html = clinician_client.get(reverse("patients:detail", kwargs={"patient_id": record.pk})).content.decode()
    banner = re.search(r'<section class="card record-banner".*?</section>', html, re.S).group(0)
    assert "Induction" in banner and "Clinic visit" in banner and f"{record.age_on()} years" in banner
    assert 'href="#plots"' in html and 'id="plots"' in html and 'href="#risk"' in html
    mrd = figure(html, "plot-mrd")
    root = svg_of(mrd)
    assert len(classes(root, "threshold-line")) == 1
    assert len(classes(root, "point-not-detected")) == 1
    assert table_rows(mrd) == [
        [short(date.today() - timedelta(days=52)), "Day 8", "0.05%"],
        [short(date.today() - timedelta(days=31)), "Day 29 (end of induction, COG)",
         "not detected (&lt; 0.01%)"],
    ]  # fmt: skip
    swim = svg_of(figure(html, "plot-swimlane"))
    assert len(classes(swim, "bar")) == 1 and len(classes(swim, "today-line")) == 1
    assert len(classes(swim, "mark-result")) == 2 and len(classes(swim, "mark-lumbar_puncture")) == 1
    anc = figure(html, "plot-count-anc")
    assert [r[1] for r in table_rows(anc)] == ["0.4 ×10⁹/L", "1.8 ×10⁹/L"] and classes(svg_of(anc), "band")
    dose = figure(html, "plot-dose-anthracycline")
    assert [r[1] for r in table_rows(dose)] == ["60 mg/m²"]  # 25 × 4 × 0.6
    assert len(classes(svg_of(dose), "threshold-line")) == 2  # 100 and 250 from the rule set
    assert "style=" not in re.search(r'<section class="card" id="plots".*?</section>', html, re.S).group(0)


def test_family_sees_the_swimlane_and_released_results_only_in_plain_words(family_client, record):
    html = family_client.get(reverse("patients:family_child", kwargs={"patient_id": record.pk})).content.decode()
    assert 'id="plot-swimlane"' in html
    mrd = figure(html, "plot-mrd")
    assert [r[2] for r in table_rows(mrd)] == ["0.05%"]  # the day-29 result is not released
    assert "too few to see under a microscope" in mrd
    assert len(classes(svg_of(mrd), "point")) == 1
    assert "plot-dose" not in html and "plot-count" not in html  # doses, and unreleased labs, stay hidden
    assert "Lumbar punctures" not in html  # the LP is not released, and the lane is in plain words


def test_dose_thresholds_come_from_the_active_rule_set():
    load_default_ruleset()
    assert dose_thresholds()["anthracycline_dox_eq_mg_m2"] == (100.0, 250.0)


def test_one_mrd_wording_everywhere():
    assert MRD_NOT_DETECTED_MSGID == MRD_NOT_DETECTED
    assert MrdResult(negative_below_pct="0.010").display == "not detected (< 0.01%)"
    assert MrdResult(value_pct="0.0200").display == "0.02%"
    facts = Facts(age=None, lineage="B", wbc_per_ul=1, cns_status="CNS1", testicular=False, steroid_pretreatment=False,
                  induction_failure=False, genetics=(), mrd={"day29": 0.0}, not_detected={"day29": 0.01})  # fmt: skip
    assert facts.mrd_text("day29") == "day-29 (end-of-induction) MRD not detected (< 0.01%)"


def test_a_risk_reason_names_a_not_detected_result_once():
    def facts(**mrd):
        return Facts(age=None, lineage="B", wbc_per_ul=1, cns_status="CNS1", testicular=False,
                     steroid_pretreatment=False, induction_failure=False, genetics=(), **mrd)  # fmt: skip

    negative = facts(mrd={"day29": 0.0}, not_detected={"day29": 0.01})
    assert negative.mrd_compared("day29", "<", 0.01) == "day-29 (end-of-induction) MRD not detected (< 0.01%)"
    coarse = facts(mrd={"day29": 0.0}, not_detected={"day29": 0.1})  # a limit above the threshold decides nothing
    assert coarse.mrd_compared("day29", "<", 0.01).endswith("not detected (< 0.1%) is < 0.01%")
    positive = facts(mrd={"day29": 0.02})
    assert positive.mrd_compared("day29", "≥", 0.01) == "day-29 (end-of-induction) MRD 0.02% is ≥ 0.01%"


def test_risk_history_lists_only_changes():
    def a(group, provisional=True, decision=""):
        return RiskAssessment(scheme="cog", group=group, provisional=provisional, decision=decision)

    history = [a("high", False, "confirmed"), a("high", False), a("high", False), a("average"), a("average")]
    assert selectors.risk_changes(history) == [history[0], history[2], history[4]]


@pytest.mark.parametrize(("sex", "shown"), [("female", False), ("male", True)])
def test_testicular_field_only_for_children_it_applies_to(clinician_client, clinician, patient, sex, shown):
    patient.sex = sex
    patient.save()
    form = clinician_client.get(reverse("patients:diagnosis_edit", kwargs={"patient_id": patient.pk})).content.decode()
    assert ('name="testicular_involvement"' in form) is shown
    services.save_diagnosis(clinician, patient, {"diagnosed_on": date.today(), "lineage": "B", "wbc_value": 5,
                                                 "wbc_unit": "e9_per_l", "cns_status": "CNS1"})  # fmt: skip
    page = clinician_client.get(reverse("patients:detail", kwargs={"patient_id": patient.pk})).content.decode()
    assert ("Testicular involvement" in page) is shown


# --- query counts flat in the number of entries ----------------------------------------------------


def count(client, url) -> tuple[int, str]:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


@pytest.mark.parametrize("page", ["patients:detail", "patients:family_child"])
def test_plot_pages_cost_the_same_for_20_and_2000_entries(clinician_client, family_client, patient, page):
    load_default_ruleset()
    client = clinician_client if page == "patients:detail" else family_client
    url = reverse(page, kwargs={"patient_id": patient.pk})
    bulk_plot_history(patient, 20, date.today() - timedelta(days=300))
    few, html = count(client, url)
    assert len(table_rows(figure(html, "plot-count-plt"))) == 3  # 20 entries: labs at 3, 11, 19
    bulk_plot_history(patient, 1980, date.today() - timedelta(days=800))  # 495 days before those
    many, html = count(client, url)
    assert many == few
    each = sum(1 for i in range(1980) if PLOT_KINDS[i % len(PLOT_KINDS)] == "lab")  # and every 8th of the next
    assert len(table_rows(figure(html, "plot-count-plt"))) == 3 + each
    assert len(table_rows(figure(html, "plot-mrd"))) == 3 + each


def test_series_are_read_in_two_column_only_queries(clinician, patient):
    bulk_plot_history(patient, 200, date.today() - timedelta(days=100))
    with CaptureQueriesContext(connection) as ctx:
        series = plot_series.record_series(clinician, patient)
    reads = [q["sql"] for q in ctx.captured_queries if 'FROM "patients_timelineentry"' in q["sql"]]
    assert len(reads) == 2  # (the others are the access decision)
    assert all('"patients_timelineentry"."notes"' not in sql for sql in reads)
    assert len(series.mrd) == 25 and series.anthracycline[-1][1] == 250.0  # 25 doses of 10 mg/m²


ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


@pytest.mark.parametrize("language", ["en", "es"])
def test_record_page_writes_dates_in_the_language_format_only(clinician_client, clinician, record, language):
    """Dates people read follow the language's format; ISO dates stay in machine attributes."""
    from tests.patients.factories import populate_record

    populate_record(clinician, record, date.today() - timedelta(days=90))
    clinician_client.cookies["django_language"] = language
    html = clinician_client.get(reverse("patients:detail", args=[record.pk])).content.decode()
    text = re.sub(r"<[^>]*>", " ", html)
    assert ISO_DATE.findall(text) == []
    assert formats.date_format(record.diagnosis.diagnosed_on, "DATE_FORMAT") in text
