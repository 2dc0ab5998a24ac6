"""Users sign in with their email address; one role each decides what the site offers them."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


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
