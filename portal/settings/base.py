"""Settings shared by every profile, read from the environment (django-environ).

Defaults are the embedded profile: a SQLite file and a filesystem Celery transport under
var/, so `make run` needs no server. Production overrides live in production.py.
"""

import secrets
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("PORTAL_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost"]),
    TIME_ZONE=(str, "America/Chicago"),
)
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env("DEBUG")
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# Canonical base of the project's own FHIR code systems and identifiers in exported passports
# (patients/fhir/codes.py, docs/fhir.md): the public address, kept stable once passports go out.
FHIR_CODE_SYSTEM_BASE = env.str("FHIR_CODE_SYSTEM_BASE", default=f"{SITE_URL.rstrip('/')}/fhir")
# The centre at the head of the treatment summary (screen, print and PDF) a survivorship clinic receives.
CENTRE_NAME = env.str("CENTRE_NAME", default="Children's Cancer Centre")
CENTRE_ADDRESS = env.str("CENTRE_ADDRESS", default="")
CENTRE_PHONE = env.str("CENTRE_PHONE", default="")
# Reverse proxies in front of the app whose X-Forwarded-For entries are believed (audit IPs).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "axes",
    "csp",
    # Bottom to top (docs/architecture.md): accounts, the patient core, care access, the patient
    # feature apps, education, and the site shell.
    "portal.accounts",
    "patients",
    "portal.care",
    "patients.late_effects",
    "patients.reminders",
    "patients.fhir",
    "education",
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outermost after security: sees every response, including the guards' redirects and refusals.
    "portal.cache_control.NoStoreMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "portal.middleware.AuditContextMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Before the two guards below: they add a message when they sign someone out or redirect.
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.middleware.SessionTimeoutMiddleware",
    "portal.middleware.RequireMFAMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.site",
            ],
        },
    }
]

# --- Database: DATABASE_URL, default a SQLite file under var/ -------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share the file: WAL plus IMMEDIATE transactions avoid "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
    # No JIT compilation for the portal's short statements: once a table outgrows the planner's
    # jit_above_cost, compiling took 85 ms for a worklist search that runs in 45 ms (12,414 children).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# --- Secret key: required outside DEBUG; generated once into var/ for development -------------
def _secret_key() -> str:
    if env.str("SECRET_KEY", default=""):
        return env.str("SECRET_KEY")
    if not DEBUG:
        raise environ.ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        from django.core.management.utils import get_random_secret_key

        key_file.write_text(get_random_secret_key())
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()

# --- Passwords and sign-in -----------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Signs in with a passkey alone; portal/views/passkeys.py lets only families through it.
    "django_otp_webauthn.backends.WebAuthnBackend",
]
# Password reset links work once, for a short while (Django's default is three days).
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_HOURS", default=2) * 3600

# django-axes 8: lock an account after repeated failures from any addresses, for a cool-off period
# (counted per typed email, so known and unknown accounts behave alike), and separately refuse one
# address that fails too often across many accounts (portal/lockout.py). The address is the one the
# audit trail records: REMOTE_ADDR, or the hop our own proxies add (TRUSTED_PROXY_COUNT), so a forged
# X-Forwarded-For cannot dodge the count.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
# The cool-off grows with every failure past the limit (portal.lockout.cool_off): the base at the
# limit, times the factor for each further one (attempts while locked count too), at most the maximum.
AXES_COOLOFF_BASE = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_COOLOFF_FACTOR = env.int("AXES_COOLOFF_FACTOR", default=2)
AXES_COOLOFF_MAX = timedelta(minutes=env.int("AXES_COOLOFF_MAX_MINUTES", default=24 * 60))
AXES_COOLOFF_TIME = "portal.lockout.cool_off"
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_HANDLER = "portal.lockout.PortalAxesHandler"
AXES_CLIENT_IP_CALLABLE = "portal.lockout.client_ip"
SIGN_IN_IP_FAILURE_LIMIT = env.int("SIGN_IN_IP_FAILURE_LIMIT", default=30)
# axes.W006 warns when AXES_LOCKOUT_PARAMETERS has no "ip_address": the per-address limit is
# PortalAxesHandler's, with its own (higher) threshold, so many people behind one NAT are not locked
# by one person's typos, while one address spraying many accounts still is.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
# Emails are case-insensitive: count "Ann@x.org" and "ann@x.org" as the same account.
AXES_USERNAME_CALLABLE = "portal.accounts.sign_in.axes_username"
# Renders portal/locked_out.html with status 429 (Too Many Requests).
AXES_LOCKOUT_CALLABLE = "portal.views.auth.locked_out"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False

# Password-reset requests per account and per address, in a fixed window (portal/lockout.py).
PASSWORD_RESET_LIMIT_PER_ACCOUNT = env.int("PASSWORD_RESET_LIMIT_PER_ACCOUNT", default=3)
PASSWORD_RESET_LIMIT_PER_IP = env.int("PASSWORD_RESET_LIMIT_PER_IP", default=10)
PASSWORD_RESET_LIMIT_WINDOW = timedelta(minutes=env.int("PASSWORD_RESET_LIMIT_MINUTES", default=60))
# A locked family account may ask for an unlock link by email (staff: an admin unlocks them).
UNLOCK_LINK_VALIDITY = timedelta(minutes=env.int("UNLOCK_LINK_MINUTES", default=60))
UNLOCK_LIMIT_PER_ACCOUNT = env.int("UNLOCK_LIMIT_PER_ACCOUNT", default=3)
UNLOCK_LIMIT_PER_IP = env.int("UNLOCK_LIMIT_PER_IP", default=10)
# The limits above count in the cache: give every web node the same one (Redis) in production.
CACHES = {
    "default": env.cache("CACHE_URL", default="locmemcache://"),
    # Rendered parts of a child's pages under the child's change stamp (patients/page_cache.py). They
    # hold health data: by default each web process keeps its own in memory; a shared Redis must be
    # protected like the database (docs/deploy.md).
    "pages": env.cache("PAGE_CACHE_URL", default="locmemcache://pages"),
}
CACHES["pages"].setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", env.int("PAGE_CACHE_MAX_ENTRIES", default=5000))
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=600)
# Part of every page-cache key, so a deployment never serves HTML rendered by older templates: set
# RELEASE to the deployed version to share parts between processes; by default each process start is new.
PAGE_CACHE_RELEASE = env("RELEASE", default=secrets.token_hex(8))

# Idle timeouts per audience, and an absolute lifetime regardless of activity.
SESSION_IDLE_TIMEOUT_STAFF = timedelta(minutes=env.int("SESSION_IDLE_MINUTES_STAFF", default=15))
SESSION_IDLE_TIMEOUT_FAMILY = timedelta(minutes=env.int("SESSION_IDLE_MINUTES_FAMILY", default=30))
SESSION_ABSOLUTE_LIFETIME = timedelta(hours=env.int("SESSION_ABSOLUTE_HOURS", default=12))
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_LIFETIME.total_seconds())
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="ALL Care Portal")
# Roles that must complete TOTP before reaching any page but sign-in and enrolment. Anyone else
# who enrols (optional for families) is asked for a code at every sign-in too.
MFA_REQUIRED_ROLES = ("clinician", "editor", "admin")
# Wrong codes allowed in one sign-in before the session is ended (django-otp also throttles
# each device with a growing delay after every failure, across sessions).
MFA_MAX_FAILURES = env.int("MFA_MAX_FAILURES", default=5)
# Wrong codes for one account over all its sessions within the window: beyond it, every code is refused
# (even a right one), the session ends and the refusal is audited, until the window has passed.
MFA_ACCOUNT_FAILURE_LIMIT = env.int("MFA_ACCOUNT_FAILURE_LIMIT", default=10)
MFA_ACCOUNT_FAILURE_WINDOW = timedelta(minutes=env.int("MFA_ACCOUNT_FAILURE_MINUTES", default=60))
RECOVERY_CODE_COUNT = 10
# Days a new personal API token works (docs/api.md).
API_TOKEN_LIFETIME_DAYS = env.int("API_TOKEN_LIFETIME_DAYS", default=90)
# Passkeys (django-otp-webauthn): a second step beside the authenticator app, for staff and for
# families who turned two-step verification on; and for families an optional sign-in without a
# password ("Sign in with a passkey"). Staff always need their password and a second step: the
# passwordless completion refuses them (portal/views/passkeys.py). With passwordless sign-in on,
# the library asks authenticators for discoverable credentials (passkeys proper) at registration.
# The RP ID is the site's host name; the allowed origins are the full origins people use.
OTP_WEBAUTHN_RP_ID = env.str("OTP_WEBAUTHN_RP_ID", default="localhost")
OTP_WEBAUTHN_RP_NAME = env.str("OTP_WEBAUTHN_RP_NAME", default="ALL Care Portal")
OTP_WEBAUTHN_ALLOWED_ORIGINS = env.list("OTP_WEBAUTHN_ALLOWED_ORIGINS", default=["http://localhost:8000"])
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = env.bool("OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN", default=True)
# Recovery codes are stored as PBKDF2-SHA256 with a salt per account (portal/accounts/recovery.py).
RECOVERY_CODE_HASH_ITERATIONS = env.int("RECOVERY_CODE_HASH_ITERATIONS", default=200_000)
# How long a calendar-feed address works before the family makes a new one (stored hashed).
CALENDAR_FEED_TOKEN_LIFETIME = timedelta(days=env.int("CALENDAR_FEED_TOKEN_DAYS", default=365))

# --- Proxy (family) access by the child's age: a centre's policy, so settings ------------------
PROXY_FULL_ACCESS_UNDER_AGE = env.int("PROXY_FULL_ACCESS_UNDER_AGE", default=12)
PROXY_ACCESS_ENDS_AT_AGE = env.int("PROXY_ACCESS_ENDS_AT_AGE", default=18)
PATIENT_OWN_ACCOUNT_FROM_AGE = env.int("PATIENT_OWN_ACCOUNT_FROM_AGE", default=12)
BREAK_GLASS_DURATION = timedelta(hours=env.int("BREAK_GLASS_HOURS", default=12))
# Break-the-glass requests (granted or refused) per clinician within the window; beyond it, refused.
BREAK_GLASS_LIMIT = env.int("BREAK_GLASS_LIMIT", default=5)
BREAK_GLASS_LIMIT_WINDOW = timedelta(minutes=env.int("BREAK_GLASS_LIMIT_MINUTES", default=60))

# --- Internationalisation --------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One date format per language: "2 Dec 2026" / "2 dic 2026" (portal/formats/).
FORMAT_MODULE_PATH = ["portal.formats"]
TIME_ZONE = env("TIME_ZONE")
USE_I18N = True
USE_TZ = True

# --- Static files ------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Email: EMAIL_URL (default: console in dev) ------------------------------------------------
vars().update(env.email("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="ALL Care Portal <no-reply@example.org>")

# --- Celery: CELERY_BROKER_URL, default the filesystem transport (no server) --------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery-broker"
    for sub in ("queue", "processed", "control"):
        (_queue_dir / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir / "queue"),
        "data_folder_out": str(_queue_dir / "queue"),
        "processed_folder": str(_queue_dir / "processed"),
        "store_processed": False,
        "control_folder": str(_queue_dir / "control"),  # else kombu writes ./control/ in the working dir
    }
else:
    # Above the longest task so Redis never redelivers a task still running (celery #2599).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Periodic jobs. Seeded into django-celery-beat's tables by `manage.py sync_schedule`, then
# editable in the admin. Apps add entries here: {name: {"task": ..., "crontab": {...}}}.
PERIODIC_TASKS: dict[str, dict] = {
    "education-review-due": {"task": "education.tasks.notify_review_due", "crontab": {"minute": "30", "hour": "6"}},
    "follow-up reminder sweep": {
        "task": "patients.reminders.tasks.sweep_reminders",
        "crontab": {"minute": "*/15"},
    },
    "care-team overdue follow-up notices": {
        "task": "patients.late_effects.tasks.notify_overdue_follow_ups",
        "crontab": {"minute": "45", "hour": "6"},
    },
    "care-team weekly overdue digest": {
        "task": "patients.reminders.tasks.send_care_team_digests",
        "crontab": {"minute": "0", "hour": "7", "day_of_week": "1"},
    },
    "audit trail month partitions": {
        "task": "portal.care.tasks.create_audit_partitions",
        "crontab": {"minute": "20", "hour": "3"},
    },
}

# --- Education pages ----------------------------------------------------------------------------
EDUCATION_REVIEW_INTERVAL_MONTHS = env.int("EDUCATION_REVIEW_INTERVAL_MONTHS", default=24)
EDUCATION_REVIEW_WARNING_DAYS = env.int("EDUCATION_REVIEW_WARNING_DAYS", default=30)
# Hide a page from families once its review date has passed (editors are told either way).
EDUCATION_HIDE_OVERDUE_PAGES = env.bool("EDUCATION_HIDE_OVERDUE_PAGES", default=False)


# --- Late-effects follow-up and reminders (patients/late_effects, patients/reminders) ----------
# Entry into long-term follow-up, in years after end of therapy; None = the active rule set's value.
LTFU_ENTRY_YEARS_AFTER_THERAPY = env.float("LTFU_ENTRY_YEARS_AFTER_THERAPY", default=None)
FOLLOW_UP_DUE_WINDOW_DAYS = env.int("FOLLOW_UP_DUE_WINDOW_DAYS", default=30)  # "due" from this many days before
REMINDER_DEFAULT_LEAD_DAYS = [30, 7]
REMINDER_DEFAULT_OVERDUE_CAP = 3
REMINDER_MAX_ATTEMPTS = env.int("REMINDER_MAX_ATTEMPTS", default=5)
# Ids per delivery task; the worker commits them REMINDER_DELIVERY_CHUNK at a time (the most
# messages a worker killed mid-chunk can send twice, see docs/reminders.md).
REMINDER_BATCH_SIZE = env.int("REMINDER_BATCH_SIZE", default=500)
REMINDER_DELIVERY_CHUNK = env.int("REMINDER_DELIVERY_CHUNK", default=100)
# At most this many window follow-up items per sweep statement (one transaction each: memory and
# lock time stay bounded; chunks follow child ids, see patients/reminders/sweep.py).
REMINDER_SWEEP_CHUNK = env.int("REMINDER_SWEEP_CHUNK", default=50000)
# statement_timeout of each chunk's statement (SET LOCAL): a chunk takes ~1 s at the default size, so a
# chunk still running after this is a bad plan or a lock wait; it fails alone and the sweep goes on.
REMINDER_SWEEP_STATEMENT_TIMEOUT_MS = env.int("REMINDER_SWEEP_STATEMENT_TIMEOUT_MS", default=60000)
# Chunks of one sweep run this many at a time on PostgreSQL, each on its own database connection.
REMINDER_SWEEP_WORKERS = env.int("REMINDER_SWEEP_WORKERS", default=2)
# A row still pending this long after it was enqueued is enqueued again by the next sweep (lost task).
REMINDER_REQUEUE_AFTER_SECONDS = env.int("REMINDER_REQUEUE_AFTER_SECONDS", default=1800)
REMINDER_RETRY_BASE_SECONDS = env.int("REMINDER_RETRY_BASE_SECONDS", default=60)
SMS_BACKEND = env.str("SMS_BACKEND", default="patients.reminders.sms.ConsoleSmsBackend")

# --- REST framework -----------------------------------------------------------------------------
# docs/api.md describes what a client sees of these.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "portal.api.authentication.TokenScopePermission",
    ],
    "DEFAULT_SCHEMA_CLASS": "portal.api.schema.PortalAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "portal.api.pagination.ApiCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "portal.api.throttling.PortalUserThrottle",
        "portal.api.throttling.PortalAnonThrottle",
    ],
    "EXCEPTION_HANDLER": "portal.api.exceptions.exception_handler",
}
API_RATE_USER = env.str("API_RATE_USER", default="1200/minute")
API_RATE_ANON = env.str("API_RATE_ANON", default="60/minute")
SPECTACULAR_SETTINGS = {
    "TITLE": "ALL Care Portal API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and docs describe every patient field: signed-in users only (anonymous gets 403).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name for a choice set that several fields share.
    "ENUM_NAME_OVERRIDES": {"RiskGroupEnum": "patients.models.risk.GROUP_CHOICES"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "portal.api.schema.document_errors_and_ids",
    ],
}

# --- Security headers (strict everywhere; production adds HTTPS-only settings) ---------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = False

# --- Logging: never health details; ids only ----------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# --- The audit trail at scale (portal/care/audit_partitions.py) ---------------------------------
# PostgreSQL: month partitions created this many months ahead (daily beat task), and months that
# ended more than AUDIT_RETENTION_YEARS ago may be detached for the archive.
AUDIT_PARTITION_MONTHS_AHEAD = env.int("AUDIT_PARTITION_MONTHS_AHEAD", default=3)
AUDIT_RETENTION_YEARS = env.int("AUDIT_RETENTION_YEARS", default=6)
