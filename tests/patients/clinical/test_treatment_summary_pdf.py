"""The treatment summary as a PDF: the centre, every agent's cumulative dose (intrathecal apart), the plan."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from pypdf import PdfReader

from portal.care.models import AuditEvent
from tests.conftest import signed_in_client
from tests.patients.clinical.test_clinical_pages import start_for
from tests.patients.factories import add_chemo, populate_record

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def record(clinician, patient):
    start = start_for(patient)
    populate_record(clinician, patient, start)
    add_chemo(clinician, patient, start + timedelta(days=1), "daunorubicin", 25, doses=2)
    add_chemo(
        clinician, patient, start + timedelta(days=8), "methotrexate", 12, unit="mg", route="intrathecal", bsa_m2="0.8"
    )
    return patient


def test_pdf_has_the_centre_every_agent_and_its_route(clinician_client, record, settings):
    settings.CENTRE_NAME = "Riverside Children's Hospital"
    settings.CENTRE_ADDRESS = "1 River Road"
    response = clinician_client.get(reverse("patients:treatment_summary_pdf", kwargs={"patient_id": record.pk}))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert (
        str(record.pk) in response["Content-Disposition"] and record.family_name not in response["Content-Disposition"]
    )
    text = _text(response.content)
    assert "Riverside Children" in text and "1 River Road" in text
    for drug in ("Daunorubicin", "Dexamethasone", "Methotrexate"):
        assert drug.lower() in text.lower(), drug
    assert "Intrathecal" in text and "12 mg" in text
    assert "75 mg/m²" in text  # daunorubicin 25 + 25 × 2, the agent's own cumulative dose
    assert AuditEvent.objects.filter(action="print", patient=record, object_type="treatment_summary").exists()


def test_screen_summary_links_the_pdf(clinician_client, record):
    html = clinician_client.get(reverse("patients:treatment_summary", kwargs={"patient_id": record.pk})).content
    assert reverse("patients:treatment_summary_pdf", kwargs={"patient_id": record.pk}).encode() in html
    assert b"Cumulative dose" in html


def test_pdf_only_through_the_access_policy(record, family_user, other_patient, outsider_client):
    url = reverse("patients:treatment_summary_pdf", kwargs={"patient_id": record.pk})
    assert outsider_client.get(url).status_code == 404
    other_parent = other_patient.family_links.first().user
    assert signed_in_client(other_parent).get(url).status_code == 404
    # Families read their child's released entries on their own pages; the clinical summary is for staff.
    assert signed_in_client(family_user).get(url).status_code == 404
    assert AuditEvent.objects.filter(action="denied", patient_id=record.pk).count() >= 2
