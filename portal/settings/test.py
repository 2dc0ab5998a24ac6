"""Test profile: the environment supplies DATABASE_URL and CELERY_BROKER_URL (see scripts/test-services)."""

import os

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789abcdef")

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; argon2 tested explicitly
RECOVERY_CODE_HASH_ITERATIONS = 1_000  # speed; the default (200,000) is for deployments
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
WHITENOISE_USE_FINDERS = True  # serve app static files in the live server without collectstatic
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT.mkdir(exist_ok=True)  # noqa: F405

# pytest-xdist runs several test processes at once, each with a test database of its own
# (test_portal_gw0, ...); each gets a Redis database of its own for the broker as well, so the real
# Celery workers a test starts (tests/patients/reminders/pipeline.py) consume only that process's
# tasks. The environment variable is what Celery reads first, and what those workers inherit.
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if _XDIST_WORKER.startswith("gw") and CELERY_BROKER_URL.startswith("redis://"):  # noqa: F405
    _db = 2 + int(_XDIST_WORKER[2:])  # 0: REDIS_URL, 1: a run without xdist (scripts/test-services)
    CELERY_BROKER_URL = CELERY_BROKER_URL.rsplit("/", 1)[0] + f"/{_db}"  # noqa: F405
    os.environ["CELERY_BROKER_URL"] = CELERY_BROKER_URL
