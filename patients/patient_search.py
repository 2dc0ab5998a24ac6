"""Finding a child by name or MRN, forgiving a typo: one implementation for the worklist and the API.

On PostgreSQL each word matches a substring of a name or the MRN (ILIKE, served by the GIN trigram
indexes of patients/0010) or a name that looks like it (pg_trgm word similarity, `%>`), and the
results are ranked by similarity. On SQLite (the embedded run) a plain case-insensitive substring.
The lowered similarity threshold holds only inside `typo_tolerance()` (set_config(..., true) lasts
one transaction), so evaluate the queryset there.
"""

from __future__ import annotations

from contextlib import contextmanager, nullcontext

from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connection, transaction
from django.db.models import F, Lookup, Q, QuerySet, Value
from django.db.models.functions import Greatest

# pg_trgm word similarity for one search word: 0.4 lets one swapped pair of letters through
# ("Jonh" finds "John", 2 of 5 trigrams), the default 0.6 would not.
WORD_SIMILARITY = 0.4
NAME_FIELDS = ("family_name", "given_name", "preferred_name")


class _ILike(Lookup):
    """`column ILIKE pattern`, which a GIN trigram index serves (Django's icontains on PostgreSQL is
    `UPPER(column) LIKE UPPER(...)`, which it does not)."""

    lookup_name = "patient_search_ilike"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} ILIKE {rhs}", [*lhs_params, *rhs_params]


def _word_q(word: str, fuzzy: bool) -> Q:
    """One search word: a substring of a name or the MRN, or (PostgreSQL) a name that looks like it."""
    if not fuzzy:
        match = Q(mrn__icontains=word)
        for name in NAME_FIELDS:
            match |= Q(**{f"{name}__icontains": word})
        return match
    pattern = Value(f"%{connection.ops.prep_for_like_query(word)}%")
    match = Q(_ILike(F("mrn"), pattern))
    for name in NAME_FIELDS:
        match |= Q(_ILike(F(name), pattern)) | Q(TrigramWordSimilar(F(name), Value(word)))
    return match


def filter_by_words(queryset: QuerySet, text: str) -> tuple[QuerySet, bool]:
    """Filter by every word of `text`; on PostgreSQL also annotate `similarity`. Returns (qs, ranked)."""
    words = _words(text)
    if not words:
        return queryset, False
    fuzzy = connection.vendor == "postgresql"
    for word in words:
        queryset = queryset.filter(_word_q(word, fuzzy))
    if not fuzzy:
        return queryset, False
    return queryset.annotate(similarity=similarity(text)), True


def similarity(text: str):
    """PostgreSQL: how closely a child's names match the words of `text` (the ranked search's order)."""
    scores = [Greatest(*(TrigramWordSimilarity(word, name) for name in NAME_FIELDS)) for word in _words(text)]
    total = scores[0]
    for score in scores[1:]:
        total = total + score
    return total


def _words(text: str) -> list[str]:
    return (text or "").replace("\x00", "").split()


@contextmanager
def _lowered_threshold():
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)", [str(WORD_SIMILARITY)])
        yield


def typo_tolerance(ranked: bool):
    """Where a ranked (PostgreSQL) search must be evaluated; a no-op otherwise."""
    return _lowered_threshold() if ranked else nullcontext()
