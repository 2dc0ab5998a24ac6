"""The education panels other apps' pages show: what each needs, gathered by the page's view.

The view passes the result to the template, which includes education/includes/<panel>.html, so
every read happens before rendering starts. `patient` is already resolved through the page guard.
"""

from __future__ import annotations

from education import selectors
from patients import care_moments
from portal.accounts.models import Role
from portal.care.access import decide


def record_panel(user, patient) -> dict:
    """The clinician record's panel: the family's open questions, and sending a page."""
    on_team = user.role == Role.CLINICIAN and decide(user, patient).on_care_team  # the request's one decision
    return {"patient": patient, "questions": selectors.open_questions_for_record(user, patient), "can_send": on_team}


def family_panel(user, patient, language: str, *, limit: int = 3) -> dict:
    """The family child page's panel: pages "for you now" and the count of open questions."""
    moments = care_moments.care_moments_for(patient, user=user)
    matches = selectors.for_you_now(user, patient, (language or "en")[:2], moments, limit=limit)
    open_count = len(selectors.family_questions(user, patient, open_only=True))
    return {"patient": patient, "pages": [page for page, _ in matches], "open_count": open_count}
