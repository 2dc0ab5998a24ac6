"""Users sign in with their email address; one role each decides what the site offers them.

Also the recovery-code device of two-step verification (one-time codes stored hashed) and
personal API tokens (ApiToken: only the secret's hash is kept; see portal/accounts/api_tokens.py).
"""

import hashlib
import re
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models, transaction
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin


class Role(models.TextChoices):
    CLINICIAN = "clinician", _("Clinician")
    FAMILY = "family", _("Family member")
    EDITOR = "editor", _("Content editor")
    ADMIN = "admin", _("Site admin")


class Discipline(models.TextChoices):
    ONCOLOGIST = "oncologist", _("Oncologist")
    NURSE_PRACTITIONER = "nurse_practitioner", _("Nurse practitioner")
    NURSE = "nurse", _("Nurse")
    SOCIAL_WORKER = "social_worker", _("Social worker")
    PSYCHOLOGIST = "psychologist", _("Psychologist")
    OTHER = "other", _("Other")


class EmailUserManager(UserManager):
    """Email is the username: normalised to lower case so sign-in is case-insensitive."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required.")
        email = self.normalize_email(email).lower()
        user = self.model(email=email, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True, role=Role.ADMIN)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractUser):
    username = None
    email = models.EmailField(_("email address"), unique=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.FAMILY)
    discipline = models.CharField(
        max_length=24, choices=Discipline.choices, blank=True, help_text=_("Clinicians only.")
    )
    preferred_language = models.CharField(max_length=8, default="en", choices=[("en", "English"), ("es", "Español")])
    phone = models.CharField(max_length=32, blank=True, help_text=_("For text reminders, E.164 format."))

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = EmailUserManager()

    class Meta:
        ordering = ["last_name", "first_name", "email"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role="clinician") | models.Q(discipline=""),
                name="discipline_only_for_clinicians",
            )
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def save(self, *args, **kwargs):
        self.email = (self.email or "").lower()
        super().save(*args, **kwargs)

    @property
    def is_clinician(self) -> bool:
        return self.role == Role.CLINICIAN

    @property
    def is_family(self) -> bool:
        return self.role == Role.FAMILY

    @property
    def is_editor(self) -> bool:
        return self.role == Role.EDITOR

    @property
    def is_site_admin(self) -> bool:
        return self.role == Role.ADMIN or self.is_superuser

    @property
    def requires_mfa(self) -> bool:
        from django.conf import settings

        return self.role in settings.MFA_REQUIRED_ROLES or self.is_staff


# --- Recovery codes -------------------------------------------------------------------------------


def normalise_code(raw: str) -> str:
    """Codes are typed by people: ignore spaces, dashes and case."""
    return re.sub(r"[\s-]", "", raw or "").lower()


def _new_salt() -> str:
    return secrets.token_hex(16)


class RecoveryCodeDevice(TimestampMixin, ThrottlingMixin, Device):
    """One-time recovery codes for one account, stored as salted PBKDF2-SHA256 hashes, never in plain text.

    A django-otp device (so otp_login and the OTP middleware accept it like any other): a code is
    hashed once with the device's salt, compared against every stored hash in constant time, and
    the matching row is deleted, so each code works once. Throttled like django-otp's static
    device (OTP_STATIC_THROTTLE_FACTOR).
    """

    salt = models.CharField(max_length=32, default=_new_salt, editable=False)

    class Meta(Device.Meta):
        verbose_name = _("recovery code set")

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_STATIC_THROTTLE_FACTOR", 1)

    def hash_code(self, code: str) -> str:
        digest = hashlib.pbkdf2_hmac(
            "sha256",
            normalise_code(code).encode("utf-8"),
            self.salt.encode("ascii"),
            settings.RECOVERY_CODE_HASH_ITERATIONS,
        )
        return digest.hex()

    def add_codes(self, codes) -> None:
        RecoveryCode.objects.bulk_create([RecoveryCode(device=self, code_hash=self.hash_code(c)) for c in codes])

    def codes_left(self) -> int:
        return self.codes.count()

    def verify_token(self, token) -> bool:
        allowed, _data = self.verify_is_allowed()
        if not allowed:
            return False
        digest = self.hash_code(str(token))
        match = None
        for pk, stored in self.codes.values_list("pk", "code_hash"):
            if constant_time_compare(stored, digest):
                match = pk
        with transaction.atomic():
            # Two sign-ins racing with the same code: only the one whose delete removes the row wins.
            used = match is not None and RecoveryCode.objects.filter(pk=match).delete()[0] == 1
            if used:
                self.throttle_reset(commit=False)
                self.set_last_used_timestamp(commit=False)
                self.save()
            else:
                self.throttle_increment()
        return used


class RecoveryCode(models.Model):
    """The hash of one unused recovery code; deleted when used."""

    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64, editable=False)

    def __str__(self) -> str:
        return f"Recovery code {self.pk} of device {self.device_id}"


class TokenScope(models.TextChoices):
    READ = "read", _("Read only")
    WRITE = "write", _("Read and write")


class ApiToken(models.Model):
    """A personal API token (portal/accounts/api_tokens.py): only the SHA-256 of its secret is kept."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(max_length=12, unique=True, help_text=_("Public part of the token, to find it."))
    key_hash = models.CharField(max_length=64, help_text=_("SHA-256 of the secret part."))
    scope = models.CharField(_("scope"), max_length=8, choices=TokenScope.choices, default=TokenScope.READ)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    def is_live(self, now) -> bool:
        return self.revoked_at is None and self.expires_at > now
