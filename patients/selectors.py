"""Reads of patient records. Every function goes through portal.care.access and records the read."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from patients.models import Patient
from portal.care import audit
from portal.care.access import care_team_patients, visible_patients
from portal.care.models import AuditAction

# The longest search a clinician may type (the search form and the API filter refuse longer).
SEARCH_MAX_LENGTH = 100


def search_patients(user, query: str = "", *, only_my_team: bool = True) -> QuerySet[Patient]:
    """The clinician's worklist, optionally filtered by name or MRN. The caller audits the page shown.

    Callers validate the query (PatientSearchForm, PatientSearchSerializer) and show the error;
    here a NUL byte, which PostgreSQL refuses, is dropped and the length capped, as a last guard.
    """
    base = care_team_patients(user) if only_my_team and user.role == "clinician" else visible_patients(user)
    query = (query or "").replace("\x00", "").strip()[:SEARCH_MAX_LENGTH]
    if query:
        terms = Q()
        for word in query.split():
            terms &= (
                Q(given_name__icontains=word)
                | Q(family_name__icontains=word)
                | Q(preferred_name__icontains=word)
                | Q(mrn__iexact=word)
            )
        base = base.filter(terms)
    return base.order_by("family_name", "given_name", "id")


def audit_listed(user, patients) -> None:
    """Record that these children's names appeared on a list page (one INSERT)."""
    audit.record_many(user, AuditAction.LIST, patients)


def family_children(user) -> list[Patient]:
    """The children a family account follows, audited as a list read."""
    children = list(visible_patients(user).order_by("date_of_birth", "id"))
    audit_listed(user, children)
    return children
