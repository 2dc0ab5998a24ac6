"""Calendar-feed tokens stored as SHA-256 (with a short display prefix) and given an expiry.

Existing addresses keep working: their tokens are hashed in place and expire one lifetime after
they were made (settings.CALENDAR_FEED_TOKEN_LIFETIME); then the plain column is dropped.
"""

import hashlib

from django.conf import settings
from django.db import migrations, models


def hash_existing(apps, schema_editor):
    CalendarFeedToken = apps.get_model("reminders", "CalendarFeedToken")
    for feed in CalendarFeedToken.objects.all():
        feed.token_hash = hashlib.sha256(feed.token.encode("utf-8")).hexdigest()
        feed.prefix = feed.token[:6]
        feed.expires_at = feed.created_at + settings.CALENDAR_FEED_TOKEN_LIFETIME
        feed.save(update_fields=["token_hash", "prefix", "expires_at"])


class Migration(migrations.Migration):
    dependencies = [("reminders", "0002_enqueue_at")]

    operations = [
        migrations.AddField(
            model_name="calendarfeedtoken",
            name="token_hash",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="calendarfeedtoken",
            name="prefix",
            field=models.CharField(default="", editable=False, max_length=8),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="calendarfeedtoken",
            name="expires_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(hash_existing, migrations.RunPython.noop),
        migrations.RemoveField(model_name="calendarfeedtoken", name="token"),
        migrations.AlterField(
            model_name="calendarfeedtoken",
            name="token_hash",
            field=models.CharField(editable=False, max_length=64, unique=True),
        ),
        migrations.AlterField(
            model_name="calendarfeedtoken",
            name="expires_at",
            field=models.DateTimeField(),
        ),
    ]
