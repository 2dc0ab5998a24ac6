"""Reads of patient records. Every function goes through portal.care.access and records the read."""

from __future__ import annotations

from django.db.models import QuerySet

from patients import patient_search
from patients.models import Patient
from portal.care import audit
from portal.care.access import care_team_patients, visible_patients
from portal.care.models import AuditAction

# The longest search a clinician may type (the search form and the API filter refuse longer).
SEARCH_MAX_LENGTH = 100


def search_patients(user, query: str = "", *, only_my_team: bool = True) -> tuple[QuerySet[Patient], bool]:
    """The children this user may see, filtered by name or MRN as the worklist does (a typo forgiven
    on PostgreSQL). Returns (queryset, ranked): a ranked queryset is ordered by relevance and must be
    evaluated inside patient_search.typo_tolerance(ranked). The caller audits the page shown.

    Callers validate the query (PatientSearchForm, PatientSearchSerializer) and show the error;
    here a NUL byte, which PostgreSQL refuses, is dropped and the length capped, as a last guard.
    """
    base = care_team_patients(user) if only_my_team and user.role == "clinician" else visible_patients(user)
    query = (query or "").replace("\x00", "").strip()[:SEARCH_MAX_LENGTH]
    found, ranked = patient_search.filter_by_words(base, query)
    order = ("-relevance", "family_name", "given_name", "id") if ranked else ("family_name", "given_name", "id")
    return found.order_by(*order), ranked


def audit_listed(user, patients) -> None:
    """Record that these children's names appeared on a list page (one INSERT)."""
    audit.record_many(user, AuditAction.LIST, patients)


def family_children(user) -> list[Patient]:
    """The children a family account follows, audited as a list read."""
    children = list(visible_patients(user).order_by("date_of_birth", "id"))
    audit_listed(user, children)
    return children
