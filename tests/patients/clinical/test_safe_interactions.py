"""Safe interactions on the clinical record: delete needs a confirmation step (no JavaScript needed),
entries are released to the family by button (one or many, care team only), and form errors are
summarised at the top of the form with links to the fields."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from patients.clinical import selectors, services
from patients.models import TimelineEntry, TreatmentPhase
from portal.care.models import AuditEvent
from tests.conftest import signed_in_client
from tests.factories import BreakGlassGrantFactory, ClinicianFactory
from tests.patients.factories import add_entry

pytestmark = pytest.mark.django_db


def _note(clinician, patient, title="Seen in clinic", **data):
    return add_entry(clinician, patient, "note", date.today(), title=title, **data)


# --- delete needs confirmation ------------------------------------------------------------------


def test_entry_delete_get_shows_what_will_be_deleted_and_deletes_nothing(clinician_client, clinician, patient):
    entry = _note(clinician, patient, visibility="released")
    url = reverse("patients:entry_delete", kwargs={"patient_id": patient.pk, "entry_id": entry.pk})
    page = clinician_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Delete this timeline entry?" in html and "Seen in clinic" in html
    assert "The family no longer sees it." in html
    assert 'name="confirm" value="yes"' in html
    assert TimelineEntry.objects.filter(pk=entry.pk).exists()


def test_entry_delete_post_without_confirm_does_nothing(clinician_client, clinician, patient):
    entry = _note(clinician, patient)
    url = reverse("patients:entry_delete", kwargs={"patient_id": patient.pk, "entry_id": entry.pk})
    page = clinician_client.post(url, {})
    assert page.status_code == 200 and "Delete this timeline entry?" in page.content.decode()
    assert TimelineEntry.objects.filter(pk=entry.pk).exists()
    assert not AuditEvent.objects.filter(action="delete", object_type="timelineentry").exists()


def test_entry_delete_with_confirm_deletes_and_is_audited(clinician_client, clinician, patient):
    entry = _note(clinician, patient)
    url = reverse("patients:entry_delete", kwargs={"patient_id": patient.pk, "entry_id": entry.pk})
    response = clinician_client.post(url, {"confirm": "yes"})
    assert response.status_code == 302
    assert not TimelineEntry.objects.filter(pk=entry.pk).exists()
    assert AuditEvent.objects.filter(
        user=clinician, patient=patient, action="delete", object_type="timelineentry", object_id=str(entry.pk)
    ).exists()


def test_phase_delete_needs_confirmation_and_lists_the_linked_entries(clinician_client, clinician, patient):
    phase = services.save_phase(clinician, patient, {"key": "induction", "actual_start": date.today()})
    add_entry(clinician, patient, "note", date.today(), title="In induction", phase=phase.pk)
    url = reverse("patients:phase_delete", kwargs={"patient_id": patient.pk, "phase_id": phase.pk})
    html = clinician_client.get(url).content.decode()
    assert "Delete this treatment phase?" in html and "Induction" in html
    assert "1 timeline entry stays on the timeline without a phase." in html
    clinician_client.post(url, {})
    assert TreatmentPhase.objects.filter(pk=phase.pk).exists()
    assert clinician_client.post(url, {"confirm": "yes"}).status_code == 302
    assert not TreatmentPhase.objects.filter(pk=phase.pk).exists()
    assert TimelineEntry.objects.filter(title="In induction", phase__isnull=True).exists()
    assert AuditEvent.objects.filter(action="delete", object_type="treatmentphase", object_id=str(phase.pk)).exists()


def test_the_edit_form_links_to_the_confirmation_page_instead_of_deleting(clinician_client, clinician, patient):
    entry = _note(clinician, patient)
    html = clinician_client.get(
        reverse("patients:entry_edit", kwargs={"patient_id": patient.pk, "entry_id": entry.pk})
    ).content.decode()
    delete_url = reverse("patients:entry_delete", kwargs={"patient_id": patient.pk, "entry_id": entry.pk})
    assert f'href="{delete_url}"' in html
    assert f'action="{delete_url}"' not in html


def test_delete_confirmation_page_is_404_for_others(outsider_client, family_client, clinician, patient):
    entry = _note(clinician, patient)
    url = reverse("patients:entry_delete", kwargs={"patient_id": patient.pk, "entry_id": entry.pk})
    for client in (outsider_client, family_client):
        assert client.get(url).status_code == 404
        assert client.post(url, {"confirm": "yes"}).status_code == 404
    assert TimelineEntry.objects.filter(pk=entry.pk).exists()


def test_discarding_an_education_revision_asks_first(editor_client, editor):
    from education import services as edu
    from education.models import PageWorkingCopy
    from tests.education.factories import PageFactory

    page = PageFactory(title="Central line care", slug="central-line-care", relevance_tags=[])
    edu.start_revision(editor, page)
    url = reverse("education:page_action", kwargs={"page_id": page.pk, "action": "discard_revision"})
    html = editor_client.post(url, {}).content.decode()
    assert "Discard this revision?" in html and page.title in html
    assert PageWorkingCopy.objects.filter(page=page).exists()
    assert editor_client.post(url, {"confirm": "yes"}).status_code == 302
    assert not PageWorkingCopy.objects.filter(page=page).exists()


# --- release ------------------------------------------------------------------------------------


def _release_url(patient):
    return reverse("patients:entry_release", kwargs={"patient_id": patient.pk})


def test_release_one_entry_by_its_button(clinician_client, clinician, family_user, patient):
    entry = _note(clinician, patient)
    other = _note(clinician, patient, title="Still private")
    assert not selectors.family_timeline(family_user, patient)
    response = clinician_client.post(_release_url(patient), {"entry": entry.pk, "entries": [other.pk]})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.visibility == "released" and entry.released_at <= timezone.now()
    assert [e.title for e in selectors.family_timeline(family_user, patient)] == ["Seen in clinic"]
    assert AuditEvent.objects.filter(
        user=clinician, action="update", object_type="timelineentry", object_id=str(entry.pk)
    ).exists()


def test_bulk_release_shows_the_ticked_entries_to_the_family(clinician_client, clinician, family_user, patient):
    first, second = _note(clinician, patient, title="First"), _note(clinician, patient, title="Second")
    _note(clinician, patient, title="Not ticked")
    clinician_client.post(_release_url(patient), {"entries": [first.pk, second.pk]})
    assert {e.title for e in selectors.family_timeline(family_user, patient)} == {"First", "Second"}
    page = signed_in_client(family_user).get(reverse("patients:family_child", kwargs={"patient_id": patient.pk}))
    assert "First" in page.content.decode() and "Not ticked" not in page.content.decode()
    assert AuditEvent.objects.filter(action="update", object_type="timelineentry").count() >= 2


def test_a_scheduled_release_is_brought_forward(clinician_client, clinician, family_user, patient):
    later = timezone.now() + timezone.timedelta(days=3)
    entry = _note(clinician, patient, visibility="released", released_at=later)
    clinician_client.post(_release_url(patient), {"entry": entry.pk})
    entry.refresh_from_db()
    assert entry.released_at <= timezone.now()
    assert selectors.family_timeline(family_user, patient)


def test_release_is_404_for_everyone_but_the_care_team(clinician, family_user, other_patient, patient):
    entry = _note(clinician, patient)
    glass = BreakGlassGrantFactory(patient=patient).clinician
    for user in (family_user, ClinicianFactory(), glass):
        client = signed_in_client(user)
        assert client.post(_release_url(patient), {"entry": entry.pk}).status_code == 404
    assert signed_in_client(clinician).get(_release_url(patient)).status_code == 405
    entry.refresh_from_db()
    assert entry.visibility == "clinician"


def test_release_of_another_childs_entry_is_404(clinician_client, clinician, other_patient, patient):
    from portal.care.models import CareTeamMembership

    theirs = CareTeamMembership.objects.filter(patient=other_patient).first().clinician
    foreign = _note(theirs, other_patient)
    assert clinician_client.post(_release_url(patient), {"entries": [foreign.pk]}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.visibility == "clinician"


def test_the_timeline_has_release_buttons_and_a_bulk_release(clinician_client, clinician, patient):
    entry = _note(clinician, patient)
    html = clinician_client.get(reverse("patients:timeline", kwargs={"patient_id": patient.pk})).content.decode()
    assert f'action="{_release_url(patient)}"' in html
    assert f'name="entry" value="{entry.pk}"' in html
    assert f'name="entries" value="{entry.pk}"' in html


def test_a_break_the_glass_holder_sees_the_timeline_without_release_controls(clinician, patient):
    entry = _note(clinician, patient)
    glass = BreakGlassGrantFactory(patient=patient).clinician
    response = signed_in_client(glass).get(reverse("patients:timeline", kwargs={"patient_id": patient.pk}))
    html = response.content.decode()
    assert response.status_code == 200 and entry.title in html
    assert _release_url(patient) not in html
    assert f'name="entry" value="{entry.pk}"' not in html


# --- error summary ------------------------------------------------------------------------------


def test_an_invalid_form_has_an_error_summary_linked_to_the_fields(clinician_client, patient):
    url = reverse("patients:entry_create", kwargs={"patient_id": patient.pk, "kind": "note"})
    response = clinician_client.post(url, {"title": "x", "visibility": "clinician"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error-summary"' in html and 'role="alert"' in html and 'tabindex="-1"' in html
    assert 'href="#id_occurred_on"' in html and 'id="id_occurred_on"' in html
    assert html.index("error-summary") < html.index('id="id_occurred_on"')


def test_a_valid_form_has_no_error_summary(clinician_client, patient):
    url = reverse("patients:entry_create", kwargs={"patient_id": patient.pk, "kind": "note"})
    assert "error-summary" not in clinician_client.get(url).content.decode()
