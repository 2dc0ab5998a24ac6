"""Bad input never yields a 500 (issue 13.4): NUL bytes, very long text, non-numeric ids.

PostgreSQL rejects a NUL byte in a string literal, so an unchecked `?q=%00` reached the database
and failed there. Each entry point now checks its input first and answers 4xx with a message.
"""

from datetime import date
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from education.content_loader import load_content
from education.models import CuratedQuestion, FamilyQuestion

pytestmark = pytest.mark.django_db

# Random text that leans on the inputs that used to fail: NUL bytes, 10,000 characters, non-digits.
nasty_text = st.one_of(
    st.text(max_size=50),
    st.text(alphabet=st.sampled_from(["\x00", "a", " ", "%", "/", "é"]), min_size=1, max_size=20),
    st.builds(lambda s: s + "\x00" + s, st.text(max_size=10)),
    st.integers(min_value=101, max_value=10_000).map(lambda n: "x" * n),
    st.just("x" * 10_000),
    st.just("abc"),
    st.just("-1"),
    st.just("99999999999999999999999"),
)
fuzz = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def questions_url(patient) -> str:
    return f"/family/children/{patient.pk}/questions/"


# --- The four requests from the report ---------------------------------------------------------


def test_patient_search_with_a_nul_byte_is_a_400_with_a_message(clinician_client):
    response = clinician_client.get("/patients/?q=%00")
    assert response.status_code == 400
    assert "Null characters are not allowed." in response.content.decode()


def test_patient_search_longer_than_the_limit_is_a_400_with_a_message(clinician_client):
    response = clinician_client.get("/patients/", {"q": "x" * 10_000})
    assert response.status_code == 400
    assert "at most 100 characters" in response.content.decode()


def test_patient_search_still_finds_by_name(clinician_client, patient):
    response = clinician_client.get("/patients/", {"q": f"  {patient.family_name}  "})
    assert response.status_code == 200
    assert patient.mrn in response.content.decode()


def test_api_patient_search_with_a_nul_byte_is_a_400_field_error(clinician_client):
    response = clinician_client.get("/api/patients/?q=%00")
    assert response.status_code == 400
    assert response.json() == {"q": ["Null characters are not allowed."]}


def test_api_patient_search_longer_than_the_limit_is_a_400_field_error(clinician_client):
    response = clinician_client.get("/api/patients/", {"q": "x" * 10_000})
    assert response.status_code == 400
    assert list(response.json()) == ["q"]
    assert "no more than 100 characters" in response.json()["q"][0]


def test_api_patient_search_still_finds_by_mrn(clinician_client, patient):
    response = clinician_client.get("/api/patients/", {"q": patient.mrn})
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [patient.pk]


@pytest.mark.parametrize("path", ["/calendar/%00.ics", "/calendar/abc%00def.ics", "/calendar/a%20b.ics"])
def test_calendar_token_outside_the_token_alphabet_is_a_404(client, path):
    response = client.get(path)
    assert response.status_code == 404


def test_calendar_token_outside_the_alphabet_is_refused_before_any_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get("/calendar/%00.ics").status_code == 404


def test_questions_post_with_a_non_numeric_curated_id_is_a_form_error(family_client, patient):
    load_content()
    response = family_client.post(questions_url(patient), {"curated": "abc"})
    assert response.status_code == 400
    assert "That question is not on the list" in response.content.decode()
    assert not FamilyQuestion.objects.filter(patient=patient).exists()


def test_questions_post_with_an_unknown_curated_id_is_a_form_error(family_client, patient):
    response = family_client.post(questions_url(patient), {"curated": "99999999999999999999999"})
    assert response.status_code == 400
    assert "That question is not on the list" in response.content.decode()


def test_questions_post_with_a_known_curated_id_still_adds_it(family_client, patient):
    load_content()
    curated = CuratedQuestion.objects.filter(question_set__language="en").first()
    response = family_client.post(questions_url(patient), {"curated": str(curated.pk)})
    assert response.status_code == 302
    assert FamilyQuestion.objects.get(patient=patient).curated == curated


def test_own_question_with_a_nul_byte_is_a_form_error(family_client, patient):
    response = family_client.post(questions_url(patient), {"text": "Can she\x00 swim?"})
    assert response.status_code == 400
    assert "Null characters are not allowed." in response.content.decode()


# --- Random input: never a server error -------------------------------------------------------


@fuzz
@given(q=nasty_text)
def test_patient_search_page_never_fails_on_any_text(clinician_client, q):
    assert clinician_client.get("/patients/", {"q": q}).status_code < 500


@fuzz
@given(q=nasty_text)
def test_api_patient_search_never_fails_on_any_text(clinician_client, q):
    response = clinician_client.get("/api/patients/", {"q": q})
    assert response.status_code < 500
    if response.status_code == 400:
        assert list(response.json()) == ["q"]


@fuzz
@given(token=nasty_text)
def test_calendar_feed_never_fails_on_any_token(client, token):
    assert client.get(f"/calendar/{quote(token, safe='')}.ics").status_code == 404


@fuzz
@given(curated=nasty_text, text=nasty_text)
def test_questions_post_never_fails_on_any_field(family_client, patient, curated, text):
    assert family_client.post(questions_url(patient), {"curated": curated}).status_code < 500
    assert family_client.post(questions_url(patient), {"text": text}).status_code < 500


def test_editor_dashboard_filter_with_a_nul_byte_is_a_400_with_a_message(editor_client):
    response = editor_client.get("/editor/?q=%00")
    assert response.status_code == 400
    assert "Null characters are not allowed." in response.content.decode()


@fuzz
@given(q=nasty_text)
def test_editor_dashboard_never_fails_on_any_text(editor_client, q):
    assert editor_client.get("/editor/", {"q": q, "filter": q}).status_code < 500


# --- Length limits and dates out of range (issue 13.6's "1 MB note", "born 1800") -------------


MEGABYTE = "x" * 1_000_000


def _diagnosis_data(**extra):
    return {"diagnosed_on": "2025-01-10", "lineage": "B", "wbc_value": "12", "wbc_unit": "e9_per_l", **extra}


def test_a_megabyte_of_notes_is_refused_by_the_service_and_nothing_is_saved(clinician, patient):
    from django.core.exceptions import ValidationError

    from patients.clinical import services
    from patients.models import Diagnosis

    with pytest.raises(ValidationError) as refused:
        services.save_diagnosis(clinician, patient, {"diagnosed_on": date(2025, 1, 10), "notes": MEGABYTE})
    assert "notes" in refused.value.message_dict
    assert not Diagnosis.objects.filter(patient=patient).exists()


def test_a_megabyte_of_notes_is_a_field_error_in_the_api(clinician_client, patient):
    response = clinician_client.put(
        f"/api/patients/{patient.pk}/diagnosis/", _diagnosis_data(notes=MEGABYTE), content_type="application/json"
    )
    assert response.status_code == 400
    assert "notes" in response.json()


def test_a_megabyte_break_the_glass_reason_is_a_form_error(outsider_client, patient):
    response = outsider_client.post("/patients/emergency-access/", {"mrn": patient.mrn, "reason": MEGABYTE})
    assert response.status_code == 400
    assert "at most 1000 characters" in response.content.decode()


@pytest.mark.parametrize("born", ["1800-01-01", "1899-12-31"])
def test_a_date_of_birth_before_1900_is_refused_with_a_message(clinician_client, born):
    response = clinician_client.post(
        "/patients/new/",
        {
            "mrn": "DOB-1",
            "given_name": "Ada",
            "family_name": "Old",
            "date_of_birth": born,
            "sex": "female",
            "preferred_language": "en",
            "status": "on_therapy",
        },
    )
    assert response.status_code == 400
    assert "before 1900" in response.content.decode()


def test_a_date_of_birth_in_1900_is_accepted(clinician, patient):
    from patients import services

    created = services.create_patient(
        clinician, {"mrn": "DOB-2", "given_name": "Ada", "family_name": "Old", "date_of_birth": date(1900, 1, 1)}
    )
    assert created.pk is not None
