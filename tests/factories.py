"""factory_boy factories for the core models. Apps add theirs in tests/<app>/factories.py."""

from datetime import date, timedelta

import factory
from django.utils import timezone

from patients.models import Patient
from portal.accounts.models import User
from portal.care.models import BreakGlassGrant, CareTeamMembership, FamilyLink


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    role = "family"
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ClinicianFactory(UserFactory):
    role = "clinician"
    discipline = "oncologist"


class FamilyUserFactory(UserFactory):
    role = "family"


class EditorFactory(UserFactory):
    role = "editor"
    is_staff = True


class AdminFactory(UserFactory):
    role = "admin"
    is_staff = True
    is_superuser = True


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    mrn = factory.Sequence(lambda n: f"T{n:07d}")
    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    date_of_birth = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=int(6 * 365.25)))
    sex = "female"


class CareTeamMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CareTeamMembership

    patient = factory.SubFactory(PatientFactory)
    clinician = factory.SubFactory(ClinicianFactory)
    team_role = "attending"


class FamilyLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FamilyLink

    user = factory.SubFactory(FamilyUserFactory)
    patient = factory.SubFactory(PatientFactory)
    relationship = "mother"
    valid_from = factory.LazyFunction(lambda: date(2000, 1, 1))


class BreakGlassGrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BreakGlassGrant

    clinician = factory.SubFactory(ClinicianFactory)
    patient = factory.SubFactory(PatientFactory)
    reason = "Seen in the emergency department overnight"
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=12))


def born_years_ago(years: float) -> date:
    """A date of birth that makes the child `years` old today (fractions in 365.25-day years)."""
    return timezone.localdate() - timedelta(days=round(years * 365.25))
