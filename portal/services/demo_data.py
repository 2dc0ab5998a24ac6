"""Synthetic demo data: invented people only, the same every run, fast at 10,000 children.

Everything is derived from a seed (random.Random per child, so adding children never changes the
existing ones), written with bulk_create(ignore_conflicts=True) against deterministic keys (MRN,
email), so a second run adds nothing and changes nothing. Passwords are hashed once per run.

The four named demo accounts get the password the caller gives. The three staff accounts also get
a confirmed authenticator with a fixed, *public* demo secret and fixed recovery codes, so a
person trying the demo can pass two-step verification. This exists only here: real accounts
enrol their own device (portal.views.auth), and `seed_demo` refuses to run without DEBUG.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from patients.models import Patient
from patients.models.patient import normalize_mrn
from portal.accounts.models import Discipline, RecoveryCodeDevice, Role, User
from portal.care.models import CareTeam, CareTeamChild, CareTeamMember, CareTeamMembership, FamilyLink

DEFAULT_PASSWORD = "demo-portal-2026"  # noqa: S105 (printed demo default; seed_demo needs DEBUG)
DEFAULT_SEED = 2026
BATCH = 2000

# RFC 6238's published test secret: obviously not a real one. Demo staff accounts only.
DEMO_TOTP_KEY_HEX = "3132333435363738393031323334353637383930"
DEMO_TOTP_DEVICE_NAME = "Demo authenticator (seed_demo)"
DEMO_RECOVERY_DEVICE_NAME = "Demo recovery codes (seed_demo)"
DEMO_RECOVERY_CODES = ("demo-rescue-01", "demo-rescue-02", "demo-rescue-03", "demo-rescue-04", "demo-rescue-05")

ADMIN_EMAIL = "admin@example.org"
CLINICIAN_EMAIL = "clinician@example.org"
EDITOR_EMAIL = "editor@example.org"
FAMILY_EMAIL = "family@example.org"
FAMILY_CHILD_MRN = "D0000000"
CLINICIAN_OWN_PATIENTS = 30  # clinician@example.org attends the family's child and the first 30

# Invented combinations from common given and family names; no real person is described.
GIVEN = [
    "Ava",
    "Leo",
    "Mia",
    "Noah",
    "Zoe",
    "Eli",
    "Ivy",
    "Owen",
    "Lila",
    "Theo",
    "Nora",
    "Kai",
    "Ruby",
    "Finn",
    "Maya",
    "Jude",
    "Iris",
    "Omar",
    "Lucia",
    "Mateo",
    "Sofia",
    "Diego",
    "Amara",
    "Ravi",
    "Hana",
    "Yusuf",
    "Elena",
    "Tariq",
    "Nia",
    "Sami",
    "Ines",
    "Paulo",
    "Chloe",
    "Arjun",
    "Esme",
    "Luca",
    "Priya",
    "Tomas",
]
FAMILY = [
    "Alder",
    "Brook",
    "Castell",
    "Dunmore",
    "Ellery",
    "Fairbank",
    "Garnett",
    "Holloway",
    "Ingram",
    "Jessup",
    "Kettering",
    "Linwood",
    "Marchetti",
    "Norcross",
    "Oakley",
    "Pemberton",
    "Quill",
    "Ramsey",
    "Sutter",
    "Thornbury",
    "Underhill",
    "Valdez",
    "Whitlock",
    "Yardley",
    "Zamora",
    "Abernathy",
    "Beaumont",
    "Calloway",
    "Delacroix",
    "Everly",
]
ADULT_GIVEN = [
    "Alex",
    "Jordan",
    "Sam",
    "Robin",
    "Casey",
    "Morgan",
    "Jamie",
    "Taylor",
    "Riley",
    "Avery",
    "Dana",
    "Lee",
    "Kim",
    "Pat",
    "Chris",
]

STATUS_WEIGHTS = (
    ("on_therapy", 50),
    ("off_therapy", 20),
    ("ltfu", 22),
    ("relapsed", 5),
    ("transferred", 2),
    ("deceased", 1),
)
CLINICIAN_POOL = (
    (Discipline.ONCOLOGIST, "oncologist", 8),
    (Discipline.NURSE, "nurse", 8),
    (Discipline.NURSE_PRACTITIONER, "np", 3),
    (Discipline.SOCIAL_WORKER, "social-worker", 3),
    (Discipline.PSYCHOLOGIST, "psychologist", 2),
)
#: Named teams with the "Who to call" details their families see (invented numbers, example.org).
#: The first holds the demo clinician's own children (the family's child among them), the second the rest.
NAMED_TEAMS = (
    {
        "name": "Leukaemia team",
        "description": "Treatment of acute lymphoblastic leukaemia.",
        "contact_label": "Leukaemia nurses",
        "contact_phone": "+1 555 0100 200",
        "contact_email": "leukaemia-team@example.org",
        "contact_hours": "Monday to Friday, 8:00 to 17:00; at other times, the ward on +1 555 0100 222",
    },
    {
        "name": "Long-term follow-up clinic",
        "description": "Check-ups after treatment.",
        "contact_label": "Follow-up clinic nurses",
        "contact_phone": "+1 555 0100 300",
        "contact_email": "follow-up-clinic@example.org",
        "contact_hours": "Tuesday and Thursday, 9:00 to 16:00",
    },
)
UNUSABLE_PASSWORD = "!seed-demo-no-sign-in"  # noqa: S105 pool accounts cannot sign in ("!" prefix = unusable)


@dataclass
class DemoResult:
    patients: int = 0
    family_child: Patient | None = None
    clinicians: int = 0
    family_accounts: int = 0
    patient_ids: list[int] = field(default_factory=list)


def demo_totp_secret_base32() -> str:
    return base64.b32encode(bytes.fromhex(DEMO_TOTP_KEY_HEX)).decode()


def current_demo_code() -> str:
    from django_otp.oath import totp

    return f"{totp(bytes.fromhex(DEMO_TOTP_KEY_HEX)):06d}"


# --- Deterministic specifications ----------------------------------------------------------------


def _pool_clinicians() -> list[dict]:
    rng = random.Random(f"{DEFAULT_SEED}:clinicians")  # the pool never depends on --seed or --patients
    people = []
    for discipline, slug, count in CLINICIAN_POOL:
        for n in range(1, count + 1):
            people.append(
                {
                    "email": f"demo.{slug}{n:02d}@example.org",
                    "first_name": rng.choice(ADULT_GIVEN),
                    "last_name": rng.choice(FAMILY),
                    "discipline": discipline,
                }
            )
    return people


def _child(seed: int, index: int, today: date) -> dict:
    rng = random.Random(f"{seed}:child:{index}")
    status = rng.choices([s for s, _ in STATUS_WEIGHTS], weights=[w for _, w in STATUS_WEIGHTS])[0]
    oldest = 25 if status == "ltfu" else 17
    youngest = 6 if status == "ltfu" else 1
    age_days = rng.randint(youngest * 365, oldest * 365 + 300)
    family_name = rng.choice(FAMILY)
    return {
        "mrn": f"D{index:07d}",
        "given_name": rng.choice(GIVEN),
        "family_name": family_name,
        "date_of_birth": today - timedelta(days=age_days),
        "sex": rng.choice(["female", "male"]),
        "preferred_language": "es" if rng.random() < 0.2 else "en",
        "status": status,
        "_rng": rng,
    }


def _team(rng: random.Random, index: int, pool: dict[str, list[str]]) -> list[tuple[str, str]]:
    """(email, team role) pairs for one child."""
    attending = CLINICIAN_EMAIL if index <= CLINICIAN_OWN_PATIENTS else rng.choice(pool[Discipline.ONCOLOGIST])
    team = [(attending, "attending"), (rng.choice(pool[Discipline.NURSE]), "primary_nurse")]
    if rng.random() < 0.5:
        team.append((rng.choice(pool[Discipline.NURSE_PRACTITIONER]), "nurse_practitioner"))
    if rng.random() < 0.3:
        team.append((rng.choice(pool[Discipline.SOCIAL_WORKER]), "social_worker"))
    if rng.random() < 0.15:
        team.append((rng.choice(pool[Discipline.PSYCHOLOGIST]), "psychologist"))
    return team


def _parents(rng: random.Random, child: dict) -> list[dict]:
    parents = [("a", rng.choice(["mother", "father", "parent", "guardian"]))]
    if rng.random() < 0.4:
        parents.append(("b", rng.choice(["mother", "father", "parent", "grandparent"])))
    today = timezone.localdate()
    age_years = (today - child["date_of_birth"]).days // 365
    consent = min(today, child["date_of_birth"] + timedelta(days=18 * 366)) if age_years >= 18 else None
    return [
        {
            "email": f"parent.{child['mrn'].lower()}.{suffix}@example.org",
            "first_name": rng.choice(ADULT_GIVEN),
            "last_name": child["family_name"],
            "relationship": relationship,
            # Young adults who chose to keep a parent informed (see the proxy rules in portal.care.access).
            "adult_consent_on": consent,
            "valid_from": child["date_of_birth"],
        }
        for suffix, relationship in parents
    ]


# --- Writing ------------------------------------------------------------------------------------


Progress = Callable[[str, int, int], None]  # (step, done, total): seed_demo draws a progress line


def _bulk(model, objs: list, step: str, progress: Progress | None) -> None:
    """bulk_create(ignore_conflicts) in BATCH-sized statements, reporting each one to `progress`."""
    for start in range(0, len(objs), BATCH):
        model.objects.bulk_create(objs[start : start + BATCH], ignore_conflicts=True)
        if progress is not None:
            progress(step, min(start + BATCH, len(objs)), len(objs))


def _ids_by(model, key: str, values: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(values), BATCH):
        chunk = values[start : start + BATCH]
        found.update(model.objects.filter(**{f"{key}__in": chunk}).values_list(key, "id"))
    return found


def _named_teams(children, patient_ids, user_ids, pool, progress: Progress | None) -> None:
    """The NAMED_TEAMS, their members (the demo clinician and a nurse; a nurse practitioner and a
    nurse) and children, in three bulk statements."""
    _bulk(CareTeam, [CareTeam(**spec) for spec in NAMED_TEAMS], "named teams", progress)
    team_ids = _ids_by(CareTeam, "name", [spec["name"] for spec in NAMED_TEAMS])
    leukaemia, follow_up = (team_ids[spec["name"]] for spec in NAMED_TEAMS)
    members = [
        (leukaemia, CLINICIAN_EMAIL, "attending"),
        (leukaemia, pool[Discipline.NURSE][0], "primary_nurse"),
        (follow_up, pool[Discipline.NURSE_PRACTITIONER][0], "nurse_practitioner"),
        (follow_up, pool[Discipline.NURSE][1], "primary_nurse"),
    ]
    _bulk(
        CareTeamMember,
        [CareTeamMember(team_id=t, clinician_id=user_ids[e], team_role=r) for t, e, r in members],
        "team members",
        progress,
    )
    own = CLINICIAN_OWN_PATIENTS + 1  # the family's child and the demo clinician's own
    _bulk(
        CareTeamChild,
        [
            CareTeamChild(team_id=leukaemia if i < own else follow_up, patient_id=patient_ids[c["mrn"]])
            for i, c in enumerate(children)
        ],
        "team children",
        progress,
    )


def _named_accounts(password_hash: str, password: str) -> dict[str, User]:
    specs = {
        ADMIN_EMAIL: {"first_name": "Ada", "last_name": "Admin", "role": Role.ADMIN, "is_staff": True},
        CLINICIAN_EMAIL: {
            "first_name": "Casey",
            "last_name": "Clinician",
            "role": Role.CLINICIAN,
            "discipline": Discipline.ONCOLOGIST,
        },
        EDITOR_EMAIL: {"first_name": "Eddie", "last_name": "Editor", "role": Role.EDITOR, "is_staff": True},
        FAMILY_EMAIL: {"first_name": "Frankie", "last_name": "Family", "role": Role.FAMILY},
    }
    users = {}
    for email, fields in specs.items():
        fields = {"discipline": "", "is_staff": False, **fields}
        fields["is_superuser"] = email == ADMIN_EMAIL
        fields["is_active"] = True
        user, _created = User.objects.get_or_create(email=email, defaults=fields)
        changed = [name for name, value in fields.items() if getattr(user, name) != value]
        for name in changed:
            setattr(user, name, fields[name])
        if not check_password(password, user.password):
            user.password = password_hash
            changed.append("password")
        if changed:
            user.save(update_fields=changed)
        users[email] = user
    return users


def _demo_mfa(user: User) -> None:
    TOTPDevice.objects.update_or_create(
        user=user,
        name=DEMO_TOTP_DEVICE_NAME,
        defaults={"key": DEMO_TOTP_KEY_HEX, "confirmed": True, "step": 30, "t0": 0, "digits": 6, "tolerance": 1},
    )
    recovery, _created = RecoveryCodeDevice.objects.get_or_create(
        user=user, name=DEMO_RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    # Stored hashed like any recovery code; the codes themselves are public (printed by seed_demo).
    have = set(recovery.codes.values_list("code_hash", flat=True))
    recovery.add_codes([code for code in DEMO_RECOVERY_CODES if recovery.hash_code(code) not in have])


def seed(
    *, patients: int = 25, password: str = DEFAULT_PASSWORD, seed: int = DEFAULT_SEED, progress: Progress | None = None
) -> DemoResult:
    """Create (or leave as they are) the demo accounts and `patients` children plus the family's child."""
    today = timezone.localdate()
    password_hash = make_password(password)
    result = DemoResult()
    with transaction.atomic():
        named = _named_accounts(password_hash, password)
        for email in (ADMIN_EMAIL, CLINICIAN_EMAIL, EDITOR_EMAIL):
            _demo_mfa(named[email])

        pool_specs = _pool_clinicians()
        pool: dict[str, list[str]] = {}
        for spec in pool_specs:
            pool.setdefault(spec["discipline"], []).append(spec["email"])

        family_child = {
            "mrn": FAMILY_CHILD_MRN,
            "given_name": "Maya",
            "family_name": "Family",
            "preferred_name": "",
            "date_of_birth": today - timedelta(days=7 * 365 + 40),
            "sex": "female",
            "preferred_language": "en",
            "status": "on_therapy",
            "_rng": random.Random(f"{seed}:child:0"),
        }
        children = [family_child] + [_child(seed, i, today) for i in range(1, patients + 1)]
        for child in children:  # Canonical MRNs, as every other way in stores them (MRNField).
            child["mrn"] = normalize_mrn(child["mrn"])
        teams = {c["mrn"]: _team(c["_rng"], i, pool) for i, c in enumerate(children)}
        parents = {c["mrn"]: _parents(c["_rng"], c) for c in children[1:]}

        _bulk(
            User,
            [
                User(
                    email=s["email"],
                    first_name=s["first_name"],
                    last_name=s["last_name"],
                    role=Role.CLINICIAN,
                    discipline=s["discipline"],
                    password=UNUSABLE_PASSWORD,
                )
                for s in pool_specs
            ]
            + [
                User(
                    email=p["email"],
                    first_name=p["first_name"],
                    last_name=p["last_name"],
                    role=Role.FAMILY,
                    password=UNUSABLE_PASSWORD,
                )
                for ps in parents.values()
                for p in ps
            ],
            "accounts",
            progress,
        )
        _bulk(
            Patient,
            [Patient(**{k: v for k, v in c.items() if not k.startswith("_")}) for c in children],
            "children",
            progress,
        )

        patient_ids = _ids_by(Patient, "mrn", [c["mrn"] for c in children])
        emails = [s["email"] for s in pool_specs] + [p["email"] for ps in parents.values() for p in ps]
        user_ids = _ids_by(User, "email", emails)
        user_ids.update({email: u.pk for email, u in named.items()})

        _bulk(
            CareTeamMembership,
            [
                CareTeamMembership(patient_id=patient_ids[mrn], clinician_id=user_ids[email], team_role=role)
                for mrn, team in teams.items()
                for email, role in dict(team).items()  # one membership per clinician per child
            ],
            "care teams",
            progress,
        )
        _named_teams(children, patient_ids, user_ids, pool, progress)
        links = [
            FamilyLink(
                user_id=user_ids[FAMILY_EMAIL],
                patient_id=patient_ids[family_child["mrn"]],
                relationship=FamilyLink.Relationship.MOTHER,
                valid_from=family_child["date_of_birth"],
            )
        ]
        links += [
            FamilyLink(
                user_id=user_ids[p["email"]],
                patient_id=patient_ids[mrn],
                relationship=p["relationship"],
                valid_from=p["valid_from"],
                adult_consent_on=p["adult_consent_on"],
            )
            for mrn, ps in parents.items()
            for p in ps
        ]
        _bulk(FamilyLink, links, "family links", progress)

    result.patients = len(children)
    result.family_child = Patient.objects.get(mrn=FAMILY_CHILD_MRN)
    result.clinicians = len(pool_specs) + 1
    result.family_accounts = sum(len(ps) for ps in parents.values()) + 1
    result.patient_ids = [patient_ids[c["mrn"]] for c in children]
    return result
