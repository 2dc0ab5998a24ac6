"""Spanish for families: pages after sign-in, the language switcher, reminder emails, and a
completeness check so a new family-facing string without Spanish fails CI; every family page
rendered in Spanish with a full record must show no English (test_no_english_on_any_family_page),
and every library page has its Spanish version.

FAMILY_TEMPLATES is the one list of templates a family member (or the patient) can see; add a
template here when you add a family page.
"""

import ast
import gettext
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils.translation import template as template_i18n

from patients.late_effects import services as plan_services
from patients.models.timeline import MrdResult
from patients.reminders import feeds
from patients.reminders import services as reminder_services
from patients.reminders.models import Reminder, ReminderPreference
from tests.factories import CareTeamMembershipFactory, FamilyLinkFactory, PatientFactory
from tests.patients.factories import add_entry
from tests.patients.late_effects.factories import high_anthracycline_summary, load_default_ruleset
from tests.patients.reminders.test_reminders import ECHO_DUE, END, HEALTH_WORDS, at
from tests.portal.accounts.sign_in_helpers import post_sign_in

BASE = Path(settings.BASE_DIR)
MO_FILE = BASE / "locale" / "es" / "LC_MESSAGES" / "django.mo"

FAMILY_TEMPLATES = [
    # Site shell, sign-in, MFA, password reset, account and notifications.
    "portal/templates/base.html",
    "portal/templates/registration/login.html",
    "portal/templates/portal/_form.html",
    "portal/templates/portal/account_settings.html",
    "portal/templates/portal/locked_out.html",
    "portal/templates/portal/mfa_recovery_codes.html",
    "portal/templates/portal/mfa_setup.html",
    "portal/templates/portal/mfa_verify.html",
    "portal/templates/portal/notifications.html",
    "portal/templates/portal/password_change_form.html",
    "portal/templates/portal/password_reset_complete.html",
    "portal/templates/portal/password_reset_confirm.html",
    "portal/templates/portal/password_reset_done.html",
    "portal/templates/portal/password_reset_email.txt",
    "portal/templates/portal/password_reset_form.html",
    "portal/templates/portal/password_reset_subject.txt",
    "portal/templates/portal/security.html",
    # The child's record as the family sees it, follow-ups, reminders.
    "patients/templates/patients/family_home.html",
    "patients/templates/patients/family_child.html",
    "patients/templates/patients/_family_child_body.html",
    "patients/templates/patients/_family_whats_next.html",
    "patients/templates/patients/family_timeline.html",
    "patients/templates/patients/_family_timeline_body.html",
    "patients/templates/patients/family_access_log.html",
    "patients/templates/patients/family_follow_ups.html",
    "patients/templates/patients/reminder_settings.html",
    "patients/templates/patients/clinical/_family_timeline.html",
    "patients/templates/patients/clinical/_family_kind.html",
    "patients/templates/patients/clinical/_pager.html",
    "patients/templates/patients/reminders/email.html",
    "patients/templates/patients/reminders/email.txt",
    # Education for families.
    "education/templates/education/library.html",
    "education/templates/education/for_you.html",
    "education/templates/education/page_detail.html",
    "education/templates/education/page_print.html",
    "education/templates/education/questions.html",
    "education/templates/education/_page_meta.html",
    "education/templates/education/_sources.html",
    "education/templates/education/includes/family_education.html",
]

# Family-visible text built in Python (reminders, timeline results, reminder settings messages).
FAMILY_PYTHON_MSGIDS = [
    "You have an upcoming check-up; sign in to see it.",
    "A check-up is overdue; sign in to see it.",
    "It is due on %(date)s.",
    "It was due on %(date)s.",
    "Check-up reminder",
    "Overdue check-up",
    "Follow-ups",
    "Clinic visit",
    "Check-up",
    "%(title)s %(n)s of %(total)s",
    "not detected (< {pct}%)",
    "Your reminder settings are saved.",
    "Your new calendar address is ready. Any older address no longer works.",
    "Your calendar address no longer works.",
    "Remind me this many days before (comma-separated)",
    "Use whole numbers separated by commas, e.g. 30, 7.",
    "Add a mobile number to your account first.",
    "Give both the start and the end of quiet hours.",
    # The family access log's "What" column (AuditAction labels of patients.views.family.SHOWN_TO_FAMILY).
    "Viewed",
    "audit action\x04Created",
    "Changed",
    "Deleted",
    "Exported",
    "Printed",
    "Broke the glass",
]

_CALL = re.compile(r"\b(gettext|ngettext|pgettext|npgettext)\(")
_LITERAL = re.compile(r"""\s*u?('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\s*,?""")


def template_msgids(path: Path) -> set[str]:
    """Catalogue keys of every translatable string in a template, found as makemessages finds them
    (Django's templatize), in GNUTranslations' key format: context\\x04msgid, (msgid, 0) for plurals."""
    code = template_i18n.templatize(path.read_text(), origin=str(path))
    keys = set()
    for call in _CALL.finditer(code):
        args, pos = [], call.end()
        while (m := _LITERAL.match(code, pos)) and len(args) < 3:
            literal = m.group(1)
            args.append(ast.literal_eval(literal))
            pos = m.end()
        name = call.group(1)
        if name == "gettext":
            keys.add(args[0])
        elif name == "ngettext":
            keys.add((args[0], 0))
        elif name == "pgettext":
            keys.add(f"{args[0]}\x04{args[1]}")
        else:
            keys.add((f"{args[0]}\x04{args[1]}", 0))
    return keys


@pytest.fixture(scope="module")
def spanish_catalog() -> dict:
    with MO_FILE.open("rb") as fh:
        return gettext.GNUTranslations(fh)._catalog


def test_templates_in_the_list_exist_and_hold_strings():
    for name in FAMILY_TEMPLATES:
        assert (BASE / name).exists(), name
    assert "Your care team has not shared any treatment events yet. They will appear here when they do." in (
        template_msgids(BASE / "patients/templates/patients/clinical/_family_timeline.html")
    )
    assert ("Please wait %(minutes)s minute after your last attempt, then try again.", 0) in template_msgids(
        BASE / "portal/templates/portal/locked_out.html"
    )


def test_every_family_string_has_spanish(spanish_catalog):
    missing = []
    for name in FAMILY_TEMPLATES:
        for key in template_msgids(BASE / name):
            if not spanish_catalog.get(key):
                missing.append(f"{name}: {key!r}")
    for msgid in FAMILY_PYTHON_MSGIDS:
        if not spanish_catalog.get(msgid):
            missing.append(f"python: {msgid!r}")
    assert not missing, "No Spanish translation in locale/es (run `make messages`):\n" + "\n".join(missing)


def test_plural_forms_are_djangos_two():
    with MO_FILE.open("rb") as fh:
        catalog = gettext.GNUTranslations(fh)
    assert catalog.ngettext("You have %(n)s unused recovery code.", "", 1).startswith("Le queda ")
    assert catalog.ngettext("You have %(n)s unused recovery code.", "", 1_000_000).startswith("Le quedan ")


@pytest.fixture
def spanish_family(db):
    child = PatientFactory(given_name="Lucía", family_name="Gómez", date_of_birth=date(2010, 3, 1))
    clinician = CareTeamMembershipFactory(patient=child).clinician
    parent = FamilyLinkFactory(patient=child).user
    parent.preferred_language = "es"
    parent.save()
    add_entry(
        clinician,
        child,
        "mrd",
        date.today(),
        {"timepoint": "day29", "sample": "marrow", "method": "flow", "negative_below_pct": 0.01},
        visibility="released",
    )
    load_default_ruleset()
    plan_services.recompute_care_plan(child, high_anthracycline_summary(date.today() - timedelta(days=800)))
    plan_services.release_plan(clinician, child)
    return child, parent


def _page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_spanish_preferring_parent_sees_family_pages_in_spanish(spanish_family):
    child, parent = spanish_family
    client = Client()
    response = post_sign_in(client, parent.email)
    assert response.status_code == 302
    pid = {"patient_id": child.pk}

    html = _page(client, reverse("patients:family_child", kwargs=pid))
    assert '<html lang="es">' in html
    assert "El tratamiento de su hijo o hija hasta ahora" in html
    assert "Your child&#x27;s treatment so far" not in html and "Your child's treatment so far" not in html
    assert "Qué sigue" in html and "What&#x27;s next" not in html
    assert "no se encontraron (&lt; 0.01%)" in html and "not detected" not in html
    assert "Controles después del tratamiento" in html and "Check-ups after treatment" not in html
    assert "Cerrar sesión" in html and "Sign out" not in html

    html = _page(client, reverse("patients:family_timeline", kwargs=pid))
    assert "Prueba de EMR: busca células de leucemia que hayan quedado" in html
    assert "no se encontraron (&lt; 0.01%)" in html and "not detected" not in html

    html = _page(client, reverse("patients:family_follow_ups", kwargs=pid))
    assert '<html lang="es">' in html
    assert "Controles de Lucía" in html and "Check-ups for" not in html
    assert "Elija cómo le recordamos" in html and "Choose how we remind you" not in html
    assert "Ultrasonido del corazón" in html and "Heart ultrasound" not in html  # rule-set wording
    assert "debilitar el músculo del corazón" in html and "weaken the heart muscle" not in html

    html = _page(client, reverse("education:library"))
    assert '<html lang="es">' in html
    assert "Aprenda sobre la LLA" in html and "Learn about ALL" not in html

    html = _page(client, reverse("education:questions", kwargs=pid))
    assert '<html lang="es">' in html
    assert "Preguntas para la próxima visita de Lucía" in html and "next visit" not in html

    html = _page(client, reverse("patients:reminder_settings"))
    assert "Cómo le recordamos" in html and "How we remind you" not in html
    assert "idioma de los recordatorios" in html.lower()


def test_language_switcher_turns_a_page_spanish(family_client, patient):
    url = reverse("patients:family_child", kwargs={"patient_id": patient.pk})
    assert '<html lang="en">' in _page(family_client, url)
    response = family_client.post(reverse("set_language"), {"language": "es", "next": url})
    assert response.status_code == 302 and response["Location"] == url
    html = _page(family_client, url)
    assert '<html lang="es">' in html
    assert "Ir al contenido principal" in html and "Skip to main content" not in html
    assert "El tratamiento de su hijo o hija hasta ahora" in html


@pytest.fixture
def plan_for_spanish_parent(clinician, family_user, patient):
    family_user.preferred_language = "es"
    family_user.save()
    patient.date_of_birth = date(2010, 3, 1)
    patient.save()
    load_default_ruleset()
    with at(END):
        plan_services.recompute_care_plan(patient, high_anthracycline_summary(END))
        plan_services.release_plan(clinician, patient)
    return patient


def test_reminder_email_in_spanish_without_health_details(plan_for_spanish_parent, family_user):
    with at(ECHO_DUE - timedelta(days=7)):
        reminder_services.sweep()
        reminder_services.deliver_batch(Reminder.objects.values_list("id", flat=True))
    message = next(m for m in mail.outbox if m.to == [family_user.email])
    html = message.alternatives[0][0]
    ics = message.attachments[0][1]
    ics_text = ics.decode() if isinstance(ics, bytes) else ics
    assert message.subject == "Recordatorio de revisión"
    assert "Tiene una revisión próxima; inicie sesión para verla." in message.body
    assert "Le toca el 1 sep 2021." in message.body  # the one Spanish date format (portal/formats/es)
    assert "Iniciar sesión:" in message.body and "Sign in" not in message.body
    assert '<html lang="es">' in html and "Iniciar sesión en el portal" in html
    assert "SUMMARY:Revisión" in ics_text
    for text in (message.subject, message.body, html, ics_text):
        assert not any(word in text.lower() for word in (*HEALTH_WORDS, "leucemia", "corazón", "quimio")), text
    assert plan_for_spanish_parent.given_name not in message.body


def test_calendar_feed_speaks_the_account_language(plan_for_spanish_parent, family_user):
    ReminderPreference.objects.create(user=family_user)
    token = feeds.create_feed(family_user).token
    body = feeds.feed_for_token(token).decode()
    assert "SUMMARY:Revisión" in body and "Check-up" not in body


def test_mrd_display_is_translated(settings):
    from django.utils import translation

    result = MrdResult(negative_below_pct=Decimal("0.01"))
    with translation.override("es"):
        assert result.display == "no se encontraron (< 0.01%)"
    with translation.override("en"):
        assert result.display == "not detected (< 0.01%)"


def test_every_shipped_rule_set_text_for_families_has_spanish():
    from patients.late_effects import wording

    spanish = wording.catalogue("es")
    missing = []
    for path in sorted((BASE / "patients/late_effects/rulesets").glob("*.yaml")):
        for rule in yaml.safe_load(path.read_text())["rules"]:
            for screening in rule.get("screening", []):
                for text in (screening.get("what_plain") or screening["what"], screening["why"]):
                    if not spanish.get(text.strip()):
                        missing.append(f"{path.name} {rule['id']}: {text!r}")
    assert not missing, "Add Spanish to patients/late_effects/rulesets/wording/es.yaml:\n" + "\n".join(missing)
    assert wording.localise("Heart ultrasound", "en") == "Heart ultrasound"
    assert wording.localise("A centre's own wording", "es") == "A centre's own wording"


def test_calendar_titles_with_details_are_in_spanish(plan_for_spanish_parent, family_user):
    ReminderPreference.objects.create(user=family_user, calendar_details=True)
    body = feeds.feed_for_token(feeds.create_feed(family_user).token).decode()
    assert "SUMMARY:Ultrasonido del coraz" in body and "Heart ultrasound" not in body


def test_shared_page_notification_is_in_each_family_members_language(clinician, patient):
    from education import services as education_services
    from portal.care.models import Notification
    from tests.education.factories import PageFactory

    spanish = FamilyLinkFactory(patient=patient).user
    spanish.preferred_language = "es"
    spanish.save()
    english = FamilyLinkFactory(patient=patient).user
    education_services.share_page(clinician, patient, PageFactory())  # the clinician works in English
    assert Notification.objects.get(user=spanish).title == "Su equipo de atención le envió una página para leer"
    assert Notification.objects.get(user=english).title == "Your care team sent you a page to read"


# --- No English on any family page -----------------------------------------------------------------
#
# Every family page is rendered in Spanish for a parent of a child with a full, released record,
# and its visible text (and the text of aria-label, title, alt, placeholder and button values) is
# searched for (1) any catalogue string that has no Spanish yet, (2) the English of any
# catalogue string that has Spanish (English stored in the database or built outside the
# reader's language, e.g. a notification) and (3) English words typed outside the catalogue.
# Citations stay in English and are left out.

PO_FILE = BASE / "locale" / "es" / "LC_MESSAGES" / "django.po"
_PO_ENTRY = re.compile(r"^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d\])?) (\".*\")$")
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|%%")
_TAG = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.S)
_SHOWN_ATTR = re.compile(r"""\b(?:aria-label|title|alt|placeholder|value)="([^"]*)\"""")


def po_entries(path: Path = PO_FILE) -> list[dict]:
    """The catalogue's entries: msgid, msgstr (first form), fuzzy. Obsolete (#~) entries are skipped."""
    entries, current, last = [], None, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if current and current.get("msgid"):
                entries.append(current)
            current, last = None, None
            continue
        if line.startswith("#~"):
            continue
        current = current if current is not None else {"fuzzy": False}
        if line.startswith("#,") and "fuzzy" in line:
            current["fuzzy"] = True
        elif m := _PO_ENTRY.match(line):
            last = m.group(1).replace("msgstr[0]", "msgstr")
            current.setdefault(last, "")
            current[last] += ast.literal_eval(m.group(2))
        elif line.startswith('"') and last:
            current[last] += ast.literal_eval(line)
    return entries


def _pattern(msgid: str) -> re.Pattern | None:
    """The msgid as it would read on a page, placeholders matching anything; None if too bare to search."""
    parts = [p.strip() for p in _PLACEHOLDER.split(msgid)]
    if sum(len(p) for p in parts) < 4 or not re.search(r"[A-Za-z]{3}", msgid):
        return None
    body = r"\s*.{1,120}?\s*".join(r"\s+".join(map(re.escape, p.split())) for p in parts)
    left = r"(?<![\w])" if msgid[0].isalnum() else ""
    right = r"(?![\w])" if msgid.rstrip()[-1].isalnum() else ""
    return re.compile(left + body + right)


# English on purpose: "Read in English" links (lang="en"), and the languages' own names in
# language menus (<option value="en">English</option>).
_MARKED_ENGLISH = re.compile(
    r"<(\w+)\b[^>]*\blang=\"en\"[^>]*>.*?</\1>|<option\b[^>]*value=\"en\"[^>]*>[^<]*</option>", re.S
)


# Words of English that Spanish text never uses (checked on text and labels, not on form values or URLs).
_ENGLISH_WORDS = re.compile(r"\b(?:the|The|your|Your|you|You|with|this|This|and|are|has|have|was|please|Please)\b")


def visible_text(html: str) -> str:
    """What a reader sees or hears, less the parts that are English on purpose."""
    import html as html_lib

    html = _MARKED_ENGLISH.sub(" ", html)
    text = " ".join([_TAG.sub(" ", html), *_SHOWN_ATTR.findall(html)])
    return re.sub(r"\s+", " ", html_lib.unescape(text)).replace("ALL Care Portal", " ")  # the brand


@pytest.fixture(scope="module")
def english_patterns() -> list[tuple[str, str, re.Pattern, bool]]:
    """(msgid, longest literal part, pattern, has_spanish) for every catalogue string worth searching for."""
    found = []
    for entry in po_entries():
        msgid, msgstr = entry["msgid"], entry.get("msgstr", "")
        if "msgctxt" in entry or (msgstr and not entry["fuzzy"] and msgstr.strip() == msgid.strip()):
            continue  # the same word in both languages (PDF, DXA...) or a context-specific one
        if (pattern := _pattern(msgid)) is not None:
            literal = max((p.strip() for p in _PLACEHOLDER.split(msgid)), key=len)
            found.append((msgid, literal, pattern, bool(msgstr) and not entry["fuzzy"]))
    return found


def test_po_reader_sees_translated_untranslated_and_fuzzy():
    entries = {e["msgid"]: e for e in po_entries()}
    assert entries["Sign out"]["msgstr"] == "Cerrar sesión"
    assert len(entries) > 900
    assert _pattern("Who has looked at %(name)s's record").search("Who has looked at Lucía's record")
    assert not _pattern("Viewed").search("Reviewed")
    assert _pattern("OK") is None


@pytest.fixture
def full_spanish_record(db):
    """A Spanish-speaking parent; a child with every entry kind released, a released care plan,
    a question, a shared page, a reminder, and staff reads of every kind in the access log."""
    from django.core.management import call_command

    from education import services as education_services
    from education.models import Page
    from patients.models import TimelineEntry
    from portal.care import audit, break_glass
    from portal.care.models import AuditAction, Notification
    from tests.factories import ClinicianFactory
    from tests.patients.factories import populate_record

    call_command("load_education_content")
    child = PatientFactory(given_name="Lucía", family_name="Gómez", date_of_birth=date(2010, 3, 1))
    clinician = CareTeamMembershipFactory(patient=child).clinician
    parent = FamilyLinkFactory(patient=child).user
    parent.preferred_language = "es"
    parent.save()
    start = date.today() - timedelta(days=900)
    populate_record(clinician, child, start)
    TimelineEntry.objects.filter(patient=child, confidential=False).update(visibility="released")
    # What clinicians type is theirs to word; here they wrote Spanish.
    TimelineEntry.objects.filter(patient=child, kind="imaging").update(result="Radiografía de tórax: sin masa")
    TimelineEntry.objects.filter(patient=child, kind="bone_marrow").update(result="Médula M1")
    TimelineEntry.objects.filter(patient=child, kind="appointment").update(title="Visita a la clínica")
    # A visit ahead and a care team with a contact, so "what's next" and "who to call" are filled in.
    TimelineEntry.objects.filter(pk=TimelineEntry.objects.filter(patient=child, kind="appointment").first().pk).update(
        occurred_on=date.today() + timedelta(days=3)
    )
    from portal.care.models import CareTeam, CareTeamChild

    team = CareTeam.objects.create(
        name="Equipo LLA", contact_label="Enfermería", contact_phone="+1 555 0100", contact_hours="Lunes a viernes"
    )
    CareTeamChild.objects.create(team=team, patient=child)
    load_default_ruleset()
    echo_due = date.today() + timedelta(days=7)  # due two years after the end of therapy
    end = echo_due.replace(year=echo_due.year - 2, day=min(echo_due.day, 28))
    plan_services.recompute_care_plan(child, high_anthracycline_summary(end))
    plan_services.release_plan(clinician, child)
    education_services.add_question(parent, child, text="¿Cuándo es la próxima punción?")
    education_services.share_page(clinician, child, Page.objects.get(language="en", slug="mrd"))
    reminder_services.sweep()
    reminder_services.deliver_batch(Reminder.objects.values_list("id", flat=True))
    outsider = ClinicianFactory()
    break_glass.open_break_glass(outsider, child, "Seen in the emergency department at night")
    for action in (AuditAction.VIEW, AuditAction.PRINT, AuditAction.EXPORT, AuditAction.UPDATE):
        audit.record(clinician, action, patient=child)
    audit.record(clinician, AuditAction.DELETE, patient=child)
    assert Notification.objects.filter(user=parent, kind="follow_up_reminder").exists()
    return child, parent


def family_urls(child) -> list[str]:
    from education.models import Page, PageShare

    pid = {"patient_id": child.pk}
    urls = [
        reverse("patients:family_home"),
        reverse("patients:family_child", kwargs=pid),
        reverse("patients:family_timeline", kwargs=pid),
        reverse("patients:family_access_log", kwargs=pid),
        reverse("patients:family_follow_ups", kwargs=pid),
        reverse("patients:reminder_settings"),
        reverse("education:library"),
        reverse("education:for_you", kwargs=pid),
        reverse("education:questions", kwargs=pid),
        reverse("portal:account"),
        reverse("portal:security"),
        reverse("portal:notifications"),
        reverse("portal:password_change"),
    ]
    for page in Page.objects.filter(language="es", status="published"):
        urls.append(reverse("education:page", kwargs={"language": "es", "slug": page.slug}))
        urls.append(reverse("education:page_print", kwargs={"language": "es", "slug": page.slug}))
    for share in PageShare.objects.filter(patient=child):
        urls.append(reverse("education:shared_page", kwargs={"share_id": share.pk}))
    return urls


def test_every_library_page_has_a_spanish_version(db):
    from django.core.management import call_command

    from education.models import Page

    call_command("load_education_content")
    english = set(
        Page.objects.filter(language="en", audience__in=("family", "teen")).values_list("translation_key", flat=True)
    )
    spanish = Page.objects.filter(language="es")
    assert len(english) == 27
    assert set(spanish.values_list("translation_key", flat=True)) == english
    # The same editorial state as the English starter pages: published, reviewed on the file's date.
    for page in spanish:
        twin = Page.objects.get(language="en", translation_key=page.translation_key)
        assert (page.status, page.reviewed_on, page.next_review_due, page.audience) == (
            twin.status,
            twin.reviewed_on,
            twin.next_review_due,
            twin.audience,
        ), page.slug
        assert set(page.topics.values_list("slug", flat=True)) == set(twin.topics.values_list("slug", flat=True))
        assert sorted(page.relevance_tags) == sorted(twin.relevance_tags), page.slug
        assert len(page.source_list) == len(twin.source_list), page.slug


def test_no_english_on_any_family_page(full_spanish_record, english_patterns):
    from education.models import Page

    child, parent = full_spanish_record
    client = Client()
    assert post_sign_in(client, parent.email).status_code == 302  # signing in sets the account's language
    citations = {s for p in Page.objects.all() for s in p.source_list}
    leaks = []
    urls = family_urls(child)
    assert len(urls) >= 12 + 2 * 27
    for url in urls:
        response = client.get(url, follow=True)  # the family home opens the only child's page
        assert response.status_code == 200, url
        html = response.content.decode()
        assert '<html lang="es">' in html, url
        text = visible_text(html)
        for citation in citations:
            text = text.replace(citation, " ")
        text = re.sub(r"\S*/\S*", " ", text)  # not in paths (/family/children/…, a form's "next" value)
        for msgid, literal, pattern, has_spanish in english_patterns:
            if literal in text and pattern.search(text):
                leaks.append(f"{url}: {msgid!r}" + ("" if has_spanish else " (no Spanish in django.po)"))
        # (3) English typed straight into a template or view, outside the catalogue.
        words = text
        for m in _ENGLISH_WORDS.finditer(words):
            leaks.append(f"{url}: not translatable: …{words[max(0, m.start() - 40) : m.end() + 40]}…")
    assert not leaks, "English on a Spanish family page:\n" + "\n".join(sorted(set(leaks)))


def test_staff_notifications_are_in_each_recipients_language(patient):
    """Break-the-glass and review notices are stored as text: each in its recipient's language."""
    from education import services as education_services
    from portal.care import break_glass
    from portal.care.models import Notification
    from tests.education.factories import PageFactory
    from tests.factories import ClinicianFactory, EditorFactory

    spanish = CareTeamMembershipFactory(patient=patient).clinician
    spanish.preferred_language = "es"
    spanish.save()
    english = CareTeamMembershipFactory(patient=patient).clinician
    break_glass.open_break_glass(ClinicianFactory(), patient, "Seen in the emergency department at night")
    assert Notification.objects.get(user=spanish).title == "Acceso de emergencia a un paciente de su equipo"
    assert "desde fuera del equipo de atención" in Notification.objects.get(user=spanish).body
    assert Notification.objects.get(user=english).title == "Emergency access to a patient on your team"

    reviewer = EditorFactory(preferred_language="es")
    education_services._notify_reviewers(PageFactory(), exclude=set())
    assert Notification.objects.get(user=reviewer).title == "Una página espera revisión"


def test_shared_page_opens_in_the_readers_language(full_spanish_record):
    from education.models import PageShare

    child, parent = full_spanish_record
    client = Client()
    post_sign_in(client, parent.email)
    share = PageShare.objects.get(patient=child)
    assert share.page.language == "en"
    response = client.get(reverse("education:shared_page", kwargs={"share_id": share.pk}))
    assert response.status_code == 302 and response["Location"] == reverse(
        "education:page", kwargs={"language": "es", "slug": "emr"}
    )
