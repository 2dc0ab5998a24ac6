"""Settings for the real Celery worker (and sweeping processes) the pipeline tests start: the test
profile, the pytest test database (DATABASE_URL from the test) and the SMTP test server on
127.0.0.1:REMINDER_TEST_SMTP_PORT, since the locmem outbox lives in one process only."""

import os

from portal.settings.test import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = "127.0.0.1"
EMAIL_PORT = int(os.environ["REMINDER_TEST_SMTP_PORT"])
EMAIL_USE_TLS = False
EMAIL_USE_SSL = False
EMAIL_HOST_USER = ""
EMAIL_HOST_PASSWORD = ""
EMAIL_TIMEOUT = 30
