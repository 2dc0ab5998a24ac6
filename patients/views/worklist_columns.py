"""The worklist table's headers: label, the ?sort= link of each column and its aria-sort state."""

from __future__ import annotations

from urllib.parse import urlencode

from django.utils.translation import gettext_lazy as _

from patients.worklist import SORTS

COLUMNS = (
    ("name", _("Name")),
    ("mrn", _("MRN")),
    ("status", _("Status")),
    ("phase", _("Phase")),
    ("day", _("Day of phase")),
    ("risk", _("Risk group")),
    ("next", _("Next follow-up")),
    ("overdue", _("Overdue follow-ups")),
    ("results", _("New results")),
    ("questions", _("Open family questions")),
    ("notifications", _("Unread notifications")),
)
assert {key for key, _label in COLUMNS} == set(SORTS)

FILTER_KEYS = ("q", "status", "phase", "overdue", "questions")


def filter_query(params) -> str:
    """The search and filters as a query string (for sort and page links), without sort and page."""
    return urlencode([(key, params.get(key, "")[:100]) for key in FILTER_KEYS if params.get(key)])


def worklist_columns(params, current: str) -> list[dict]:
    """Each column with the link that sorts by it (reversed when it is the current sort)."""
    base = filter_query(params)
    key_now, descending = current.removeprefix("-"), current.startswith("-")
    columns = []
    for key, label in COLUMNS:
        active = key == key_now
        target = f"-{key}" if active and not descending else key
        state = ("descending" if descending else "ascending") if active else "none"
        query = f"{base}&sort={target}" if base else f"sort={target}"
        columns.append({"key": key, "label": label, "href": f"?{query}", "aria_sort": state, "active": active})
    return columns
