"""Calendar-feed tokens: stored hashed, shown once, expiring, rotatable (issue 13, point 6)."""

import re
from datetime import timedelta

import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from patients.reminders import feeds
from patients.reminders.models import CalendarFeedToken

FEED_URL = re.compile(r"/calendar/([A-Za-z0-9_-]{43})\.ics")


def test_token_is_not_stored_only_its_hash(family_user, client):
    feed = feeds.create_feed(family_user)
    assert client.get(f"/calendar/{feed.token}.ics").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM reminders_calendarfeedtoken WHERE id = %s", [feed.pk])
        row = cursor.fetchone()
    assert not any(feed.token in str(value) for value in row), row
    stored = CalendarFeedToken.objects.get(pk=feed.pk)
    assert stored.token is None  # a fresh read knows only the hash
    assert stored.token_hash != feed.token and len(stored.token_hash) == 64
    assert client.get(f"/calendar/{stored.token_hash}.ics").status_code == 404  # the hash is no key


def test_address_is_shown_once_then_only_its_dates(family_client):
    url = reverse("patients:reminder_settings")
    page = family_client.post(url, {"action": "new_feed"}).content.decode()
    token = FEED_URL.search(page).group(1)
    assert family_client.get(f"/calendar/{token}.ics").status_code == 200
    later = family_client.get(url).content.decode()
    assert token not in later and not FEED_URL.search(later)
    assert 'id="feed-status"' in later and token[:6] in later  # the short prefix, to tell addresses apart
    assert "last fetched" in later


def test_token_expires_after_the_lifetime(family_user, client, settings):
    settings.CALENDAR_FEED_TOKEN_LIFETIME = timedelta(days=30)
    feed = feeds.create_feed(family_user)
    assert feed.expires_at - feed.created_at == timedelta(days=30)
    with time_machine.travel(timezone.now() + timedelta(days=29)):
        assert client.get(f"/calendar/{feed.token}.ics").status_code == 200
        assert feeds.active_feed(family_user) is not None
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert client.get(f"/calendar/{feed.token}.ics").status_code == 404
        assert feeds.active_feed(family_user) is None


def test_default_lifetime_is_one_year(family_user):
    feed = feeds.create_feed(family_user)
    assert feed.expires_at - feed.created_at == timedelta(days=365)


def test_rotation_gives_a_new_token_and_the_old_stops_working(family_client, family_user, client):
    url = reverse("patients:reminder_settings")
    first = FEED_URL.search(family_client.post(url, {"action": "new_feed"}).content.decode()).group(1)
    second = FEED_URL.search(family_client.post(url, {"action": "new_feed"}).content.decode()).group(1)
    assert first != second
    assert client.get(f"/calendar/{first}.ics").status_code == 404
    assert client.get(f"/calendar/{second}.ics").status_code == 200
    assert CalendarFeedToken.objects.filter(user=family_user, revoked_at__isnull=True).count() == 1
    family_client.post(url, {"action": "revoke_feed"})
    assert client.get(f"/calendar/{second}.ics").status_code == 404


def test_unknown_or_malformed_tokens_are_404(db, client):
    assert client.get("/calendar/" + "A" * 43 + ".ics").status_code == 404
    assert client.get("/calendar/%00.ics").status_code == 404
