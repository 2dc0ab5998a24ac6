"""Settings for the real Celery worker the pipeline tests start: the test profile, the pytest test
database (DATABASE_URL from the test) and a file-drop email backend (one file per message),
since the locmem outbox lives in one process only."""

import os

from portal.settings.test import *  # noqa: F403

EMAIL_BACKEND = "tests.patients.reminders.mail_backend.FileDropBackend"
REMINDER_TEST_MAIL_DIR = os.environ["REMINDER_TEST_MAIL_DIR"]
