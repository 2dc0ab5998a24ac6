"""Settings profiles, each loaded in a fresh interpreter with a controlled environment."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k3J#9vQ!x2Lm$7Wp@4Rz^8Tn&1Yb*6Hc(5Fd)0Gs_Ua-Ve=Io+Pl"
DUMP = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], 'name': str(s.DATABASES['default']['NAME']), "
    "'host': s.DATABASES['default'].get('HOST', ''), 'broker': s.CELERY_BROKER_URL, 'email': s.EMAIL_BACKEND, "
    "'email_host': getattr(s, 'EMAIL_HOST', ''), 'tz': s.TIME_ZONE, 'hosts': s.ALLOWED_HOSTS, "
    "'debug': s.DEBUG, 'key': s.SECRET_KEY, 'hasher': s.PASSWORD_HASHERS[0]}))"
)


def run(settings_module: str, tmp_path: Path, args: list[str], **env) -> subprocess.CompletedProcess:
    """Run Python with only the variables given (plus PATH/HOME), var/ in tmp_path, no .env surprises."""
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "PORTAL_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": settings_module,
        **env,
    }
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def load(settings_module: str, tmp_path: Path, **env) -> dict:
    result = run(settings_module, tmp_path, ["-c", DUMP], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_dev_default_is_sqlite_and_filesystem_broker_with_a_generated_key(tmp_path):
    first = load("portal.settings.dev", tmp_path)
    assert first["debug"] is True
    assert first["engine"] == "django.db.backends.sqlite3"
    assert first["name"] == str(tmp_path / "var" / "portal.sqlite3")
    assert first["broker"] == "filesystem://"
    assert (tmp_path / "var" / "celery-broker" / "queue").is_dir()
    assert first["email"] == "django.core.mail.backends.console.EmailBackend"
    assert first["hasher"] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    key_file = tmp_path / "var" / "secret_key"
    assert key_file.read_text().strip() == first["key"]
    assert len(first["key"]) >= 50
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert load("portal.settings.dev", tmp_path)["key"] == first["key"]  # generated once, then reused


def test_environment_overrides(tmp_path):
    loaded = load(
        "portal.settings.dev",
        tmp_path,
        DATABASE_URL="postgres://portal:pw@db.internal:5432/portal",
        CELERY_BROKER_URL="redis://cache.internal:6379/1",
        EMAIL_URL="smtp+tls://mailer:secret@smtp.example.org:587",
        TIME_ZONE="Europe/Madrid",
        ALLOWED_HOSTS="portal.example.org,www.portal.example.org",
        SECRET_KEY=STRONG_KEY,
    )
    assert loaded["engine"] == "django.db.backends.postgresql"
    assert (loaded["host"], loaded["name"]) == ("db.internal", "portal")
    assert loaded["broker"] == "redis://cache.internal:6379/1"
    assert loaded["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert loaded["email_host"] == "smtp.example.org"
    assert loaded["tz"] == "Europe/Madrid"
    assert loaded["hosts"] == ["portal.example.org", "www.portal.example.org"]
    assert loaded["key"] == STRONG_KEY
    assert not (tmp_path / "var" / "secret_key").exists()


@pytest.mark.parametrize("module", ["portal.settings.production", "portal.settings.dev"])
def test_secret_key_required_without_debug(tmp_path, module):
    result = run(module, tmp_path, ["-c", DUMP], DEBUG="false")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY must be set" in result.stderr
    assert not (tmp_path / "var" / "secret_key").exists()


def test_production_passes_check_deploy(tmp_path):
    result = run(
        "portal.settings.production",
        tmp_path,
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="portal.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_is_https_only(tmp_path):
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_HSTS_SECONDS >= 31536000, 'csp.middleware.CSPMiddleware' in s.MIDDLEWARE)"
    )
    result = run("portal.settings.production", tmp_path, ["-c", code], SECRET_KEY=STRONG_KEY)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True", "True", "True", "True"]
