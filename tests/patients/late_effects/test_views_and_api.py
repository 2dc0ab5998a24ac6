"""Care-plan pages and API: access policy (404 + audit for outsiders), family view, query counts."""

import re
from datetime import date

import pytest
from django.urls import reverse

from patients.late_effects import services
from patients.late_effects.models import FollowUpItem
from patients.models import Visibility
from patients.reminders.models import ReminderPreference
from portal.care.models import AuditEvent
from tests.conftest import forget_kept_pages, signed_in_client
from tests.factories import FamilyLinkFactory
from tests.patients.late_effects.factories import high_anthracycline_summary, load_default_ruleset

pytestmark = pytest.mark.django_db

END = date(2019, 9, 1)


@pytest.fixture
def plan(patient):
    load_default_ruleset()
    patient.date_of_birth = date(2010, 3, 1)
    patient.save()
    services.recompute_care_plan(patient, high_anthracycline_summary(END))
    return patient


def echo(patient):
    return FollowUpItem.objects.get(patient=patient, slot="cardiac_echo", status="open")


def patient_urls(patient, item):
    pid, iid = patient.pk, item.pk
    return [
        ("get", reverse("patients:care_plan", kwargs={"patient_id": pid})),
        ("post", reverse("patients:care_plan_recompute", kwargs={"patient_id": pid})),
        ("post", reverse("patients:care_plan_release", kwargs={"patient_id": pid})),
        ("post", reverse("patients:care_plan_item_complete", kwargs={"patient_id": pid, "item_id": iid})),
        ("post", reverse("patients:care_plan_item_close", kwargs={"patient_id": pid, "item_id": iid})),
        ("get", reverse("patients:family_follow_ups", kwargs={"patient_id": pid})),
        ("get", f"/api/patients/{pid}/follow-ups/"),
        ("get", f"/api/patients/{pid}/follow-ups/{iid}/"),
        ("post", f"/api/patients/{pid}/follow-ups/{iid}/complete/"),
        ("post", f"/api/patients/{pid}/follow-ups/{iid}/close/"),
    ]


def test_outsiders_get_404_everywhere_and_it_is_audited(plan, outsider_client, other_patient):
    other_family = signed_in_client(other_patient.family_links.first().user)
    for client in (outsider_client, other_family):
        for method, url in patient_urls(plan, echo(plan)):
            response = getattr(client, method)(url, {"done_on": "2021-09-01", "status": "waived", "reason": "x"})
            assert response.status_code == 404, (method, url)
    denied = AuditEvent.objects.filter(action="denied")
    assert denied.filter(patient=plan).count() + denied.filter(patient=None, object_id=str(plan.pk)).count() == 20
    assert echo(plan).status == "open"


def test_item_of_another_child_is_404(plan, clinician_client, other_patient):
    services.recompute_care_plan(other_patient, high_anthracycline_summary(END))
    foreign = echo(other_patient)
    url = reverse("patients:care_plan_item_complete", kwargs={"patient_id": plan.pk, "item_id": foreign.pk})
    assert clinician_client.post(url, {"done_on": "2021-09-01"}).status_code == 404
    assert clinician_client.get(f"/api/patients/{plan.pk}/follow-ups/{foreign.pk}/").status_code == 404


def test_clinician_page_shows_plan_with_reasons(plan, clinician_client, django_assert_max_num_queries):
    url = reverse("patients:care_plan", kwargs={"patient_id": plan.pk})
    response = clinician_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Echocardiogram" in html and "cardio-high" in html and "IGHG" in html
    forget_kept_pages()  # both counts decide access afresh
    with django_assert_max_num_queries(20) as captured:
        clinician_client.get(url)
    baseline = len(captured.captured_queries)
    summary = high_anthracycline_summary(END)
    from dataclasses import replace

    services.recompute_care_plan(plan, replace(summary, cyclophosphamide_mg_m2=1000, cranial_radiation_gy=18))
    with django_assert_max_num_queries(baseline):
        assert clinician_client.get(url).status_code == 200


def test_clinician_completes_closes_and_releases(plan, clinician_client, family_client):
    item = echo(plan)
    url = reverse("patients:care_plan_item_complete", kwargs={"patient_id": plan.pk, "item_id": item.pk})
    response = clinician_client.post(url, {"done_on": "2021-09-10", "result_note": "normal"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "done" and item.result_note == "normal"
    assert echo(plan).due_on == date(2023, 9, 10)
    close = reverse("patients:care_plan_item_close", kwargs={"patient_id": plan.pk, "item_id": echo(plan).pk})
    clinician_client.post(close, {"status": "waived", "reason": ""})  # reason required: nothing saved
    assert echo(plan).status == "open"

    family_url = reverse("patients:family_follow_ups", kwargs={"patient_id": plan.pk})
    assert "Heart ultrasound" not in family_client.get(family_url).content.decode()  # not released yet
    clinician_client.post(reverse("patients:care_plan_release", kwargs={"patient_id": plan.pk}))
    page = family_client.get(family_url).content.decode()
    assert "Heart ultrasound" in page
    assert "cardio-high" not in page  # rule ids and reasons stay on the clinician page
    assert family_client.get(reverse("patients:care_plan", kwargs={"patient_id": plan.pk})).status_code == 404


def test_recompute_button_uses_the_clinical_record_exposures(plan, clinician, clinician_client):
    """The button reads the exposures the clinical record derived, not a copy in the plan."""
    from patients.clinical.services import save_manual_summary

    FollowUpItem.objects.filter(patient=plan).delete()
    save_manual_summary(clinician, plan, {"therapy_end": END, "doxorubicin_mg_m2": 300})
    FollowUpItem.objects.filter(patient=plan).delete()  # drop what the exposure change already made
    response = clinician_client.post(reverse("patients:care_plan_recompute", kwargs={"patient_id": plan.pk}))
    assert response.status_code == 302
    assert echo(plan).due_on == date(2021, 9, 1)


def test_family_page_query_count_is_flat(plan, clinician, family_client, django_assert_max_num_queries):
    services.release_plan(clinician, plan)
    url = reverse("patients:family_follow_ups", kwargs={"patient_id": plan.pk})
    with django_assert_max_num_queries(30) as captured:
        assert family_client.get(url).status_code == 200
    from dataclasses import replace

    services.recompute_care_plan(plan, replace(high_anthracycline_summary(END), cranial_radiation_gy=18))
    with django_assert_max_num_queries(len(captured.captured_queries)):
        family_client.get(url)


def test_api_lists_released_items_for_family_and_refuses_family_writes(
    plan, clinician, family_client, clinician_client
):
    url = f"/api/patients/{plan.pk}/follow-ups/"
    assert family_client.get(url).json()["count"] == 0
    services.release_plan(clinician, plan)
    FollowUpItem.objects.filter(patient=plan, slot="neurocognitive").update(visibility=Visibility.CLINICIAN_ONLY)
    family_rows = family_client.get(url).json()["results"]
    assert family_rows and "neurocognitive" not in {r["slot"] for r in family_rows}
    assert len(clinician_client.get(url).json()["results"]) == len(family_rows) + 1
    item = echo(plan)
    assert family_client.post(f"{url}{item.pk}/complete/", {"done_on": "2021-09-01"}).status_code == 404
    bad = clinician_client.post(f"{url}{item.pk}/complete/", {"done_on": "2999-01-01"}, content_type="application/json")
    assert bad.status_code == 400 and "done_on" in bad.json()
    ok = clinician_client.post(f"{url}{item.pk}/complete/", {"done_on": "2021-09-01"}, content_type="application/json")
    assert ok.status_code == 200
    assert ok.json()["next"]["due_on"] == "2023-09-01"
    closed = clinician_client.post(
        f"{url}{ok.json()['next']['id']}/close/",
        {"status": "declined", "reason": "Moved away"},
        content_type="application/json",
    )
    assert closed.json()["status"] == "declined"


def test_reminder_settings_validate_and_save(family_client, family_user):
    url = reverse("patients:reminder_settings")
    assert family_client.get(url).status_code == 200
    bad = family_client.post(url, {"action": "save", "lead_days_text": "thirty", "overdue_nudge_cap": 3, "sms": "on"})
    assert bad.status_code == 200
    errors = bad.context["form"].errors
    assert "lead_days_text" in errors and "sms" in errors
    family_client.post(
        url,
        {
            "action": "save",
            "email": "on",
            "portal": "on",
            "lead_days_text": "14, 2",
            "overdue_nudges": "on",
            "overdue_nudge_cap": 2,
            "language": "es",
            "quiet_start": "21:00",
            "quiet_end": "07:30",
        },
    )
    pref = ReminderPreference.objects.get(user=family_user)
    assert pref.lead_days == [14, 2] and pref.language == "es" and pref.overdue_nudge_cap == 2
    shown = family_client.post(url, {"action": "new_feed"}).content.decode()
    assert re.search(r"/calendar/[A-Za-z0-9_-]{43}\.ics", shown)  # shown once, on the page that made it
    assert "/calendar/" not in family_client.get(url).content.decode()


def test_second_family_member_sees_same_released_items(plan, clinician):
    services.release_plan(clinician, plan)
    other_parent = FamilyLinkFactory(patient=plan, relationship="father").user
    client = signed_in_client(other_parent)
    page = client.get(reverse("patients:family_follow_ups", kwargs={"patient_id": plan.pk})).content.decode()
    assert "Heart ultrasound" in page


def test_stale_item_version_is_refused(plan, clinician_client):
    item = echo(plan)
    url = f"/api/patients/{plan.pk}/follow-ups/{item.pk}/complete/"
    loaded = item.version
    services.recompute_care_plan(plan, high_anthracycline_summary(date(2019, 10, 1)))  # moves the item
    stale = clinician_client.post(url, {"done_on": "2021-09-01", "version": loaded}, content_type="application/json")
    assert stale.status_code == 409
    assert echo(plan).status == "open"
    page_url = reverse("patients:care_plan_item_complete", kwargs={"patient_id": plan.pk, "item_id": item.pk})
    response = clinician_client.post(page_url, {"done_on": "2021-09-01", "version": loaded}, follow=True)
    assert "Someone else changed this record" in response.content.decode()
    fresh = echo(plan).version
    ok = clinician_client.post(url, {"done_on": "2021-09-01", "version": fresh}, content_type="application/json")
    assert ok.status_code == 200
