"""The family's summary PDF: released entries only, no doses, another child's family gets 404, audited."""

from datetime import date

import pytest
from django.urls import reverse

from patients.clinical.selectors import family_summary_rows
from portal.care.models import AuditAction, AuditEvent
from tests.patients.factories import add_chemo, add_entry

pytestmark = pytest.mark.django_db


def url(patient):
    return reverse("patients:family_summary_pdf", kwargs={"patient_id": patient.pk})


def test_the_sheet_counts_released_entries_only(clinician, family_user, patient):
    add_entry(clinician, patient, "appointment", date(2024, 1, 5), title="Visit", visibility="released")
    add_entry(clinician, patient, "appointment", date(2024, 2, 5), title="Visit 2", visibility="released")
    add_chemo(clinician, patient, date(2024, 1, 6), "doxorubicin", 25)  # clinician-only
    rows = family_summary_rows(family_user, patient)
    assert [(r.kind, r.count, r.first, r.last) for r in rows] == [
        ("appointment", 2, date(2024, 1, 5), date(2024, 2, 5))
    ]
    assert {r.kind for r in family_summary_rows(clinician, patient)} == {"appointment", "chemo"}


def test_the_family_downloads_a_pdf_and_it_is_audited(family_client, family_user, patient):
    child_page = family_client.get(reverse("patients:family_child", kwargs={"patient_id": patient.pk}))
    assert url(patient) in child_page.content.decode()
    response = family_client.get(url(patient))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and patient.given_name not in response["Content-Disposition"]
    assert AuditEvent.objects.filter(user=family_user, patient=patient, action=AuditAction.VIEW).exists()


def test_another_childs_family_gets_404_and_it_is_recorded(family_client, family_user, other_patient):
    assert family_client.get(url(other_patient)).status_code == 404
    assert AuditEvent.objects.filter(user=family_user, patient=other_patient, action=AuditAction.DENIED).exists()


def test_the_sheet_reads_in_spanish_and_says_doses_are_left_out(patient):
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override("es"):
        html = render_to_string(
            "patients/family_summary_pdf.html", {"patient": patient, "rows": [], "today": date.today()}
        )
    assert "Resumen del tratamiento de su hijo o hija" in html
    assert "Las dosis de los medicamentos no están en esta hoja" in html
