"""Recovery codes move from django-otp's plain-text StaticToken rows to hashed RecoveryCode rows.

Each existing static device becomes a RecoveryCodeDevice (same user, name, timestamps) whose
codes are the PBKDF2 hashes of the old tokens; the plain rows are then deleted.
"""

import hashlib
import re
import secrets

import django.db.models.deletion
import portal.accounts.models
from django.conf import settings
from django.db import migrations, models


def hash_static_tokens(apps, schema_editor):
    StaticDevice = apps.get_model("otp_static", "StaticDevice")
    RecoveryCodeDevice = apps.get_model("accounts", "RecoveryCodeDevice")
    RecoveryCode = apps.get_model("accounts", "RecoveryCode")
    for old in StaticDevice.objects.all():
        device = RecoveryCodeDevice.objects.create(
            user_id=old.user_id,
            name=old.name,
            confirmed=old.confirmed,
            salt=secrets.token_hex(16),
            created_at=old.created_at,
            last_used_at=old.last_used_at,
        )
        codes = [re.sub(r"[\s-]", "", t.token).lower() for t in old.token_set.all()]
        RecoveryCode.objects.bulk_create(
            RecoveryCode(
                device=device,
                code_hash=hashlib.pbkdf2_hmac(
                    "sha256", code.encode(), device.salt.encode("ascii"), settings.RECOVERY_CODE_HASH_ITERATIONS
                ).hex(),
            )
            for code in codes
        )
        old.delete()


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('otp_static', '0003_add_timestamps'),
    ]

    operations = [
        migrations.CreateModel(
            name='RecoveryCodeDevice',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(help_text='The human-readable name of this device.', max_length=64)),
                ('confirmed', models.BooleanField(default=True, help_text='Is this device ready for use?')),
                ('throttling_failure_timestamp', models.DateTimeField(blank=True, default=None, help_text='A timestamp of the last failed verification attempt. Null if last attempt succeeded.', null=True)),
                ('throttling_failure_count', models.PositiveIntegerField(default=0, help_text='Number of successive failed attempts.')),
                ('created_at', models.DateTimeField(auto_now_add=True, help_text='The date and time when this device was initially created in the system.', null=True)),
                ('last_used_at', models.DateTimeField(blank=True, help_text='The most recent date and time this device was used.', null=True)),
                ('salt', models.CharField(default=portal.accounts.models._new_salt, editable=False, max_length=32)),
                ('user', models.ForeignKey(help_text='The user that this device belongs to.', on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'recovery code set',
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='RecoveryCode',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code_hash', models.CharField(editable=False, max_length=64)),
                ('device', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='codes', to='accounts.recoverycodedevice')),
            ],
        ),
        migrations.RunPython(hash_static_tokens, migrations.RunPython.noop),
    ]
