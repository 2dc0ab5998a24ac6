"""Finding a child by name or MRN, forgiving a typo: one implementation for the worklist and the API.

On PostgreSQL each word matches a substring of the MRN (ILIKE) or of the child's names, or a name
that looks like it (pg_trgm word similarity, `%>`). The names are read from `Patient.search_names`,
lower-cased once when saved, which one GIN trigram index serves (patients/0014). Results are ranked
so that a clinician finds the child they mean first, word by word:

    3  a whole name (or the MRN) is the word
    2  a name starts with the word
    1  the word is inside a name or the MRN
    <1 a typo: how similar the closest name is (word similarity)

then by name. Deciding a tier is a few byte comparisons; only a typo is scored by similarity.
Scoring every match by similarity cost three trigram computations per child, and a common surname
matches a tenth of a clinician's children.

On SQLite (the embedded run) a plain case-insensitive substring. The lowered similarity threshold
holds only inside `typo_tolerance()` (set_config(..., true) lasts one transaction), so evaluate the
queryset there.
"""

from __future__ import annotations

from contextlib import contextmanager, nullcontext

from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connection, transaction
from django.db.models import Case, F, FloatField, Lookup, Q, QuerySet, Value, When
from django.db.models.functions import Lower

# pg_trgm word similarity for one search word: 0.4 lets one swapped pair of letters through
# ("Jonh" finds "John", 2 of 5 trigrams), the default 0.6 would not.
WORD_SIMILARITY = 0.4
NAME_FIELDS = ("family_name", "given_name", "preferred_name")
WHOLE, START, INSIDE = 3.0, 2.0, 1.0


class _Like(Lookup):
    """`column LIKE pattern` (or ILIKE), which a GIN trigram index serves. Django's icontains on
    PostgreSQL is `UPPER(column) LIKE UPPER(...)`, which it does not."""

    prepare_rhs = False
    operator = "LIKE"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} {self.operator} {rhs}", [*lhs_params, *rhs_params]


class _ILike(_Like):
    operator = "ILIKE"


def _names_like(pattern: str) -> _Like:
    """`search_names LIKE lower(pattern)`: PostgreSQL lower-cases the constant once, when planning,
    with the same rules that lower-cased the names."""
    return _Like(F("search_names"), Lower(Value(pattern)))


def _word_q(word: str, fuzzy: bool) -> Q:
    """One search word: a substring of a name or the MRN, or (PostgreSQL) a name that looks like it."""
    if not fuzzy:
        match = Q(mrn__icontains=word)
        for name in NAME_FIELDS:
            match |= Q(**{f"{name}__icontains": word})
        return match
    inside = f"%{connection.ops.prep_for_like_query(word)}%"
    looks_like = TrigramWordSimilar(F("search_names"), Value(word))
    # Cheapest first: a child found by a substring is not scored for similarity when rechecked.
    return Q(_ILike(F("mrn"), Value(inside))) | Q(_names_like(inside)) | Q(looks_like)


def filter_by_words(queryset: QuerySet, text: str) -> tuple[QuerySet, bool]:
    """Filter by every word of `text`; on PostgreSQL also annotate `relevance`. Returns (qs, ranked)."""
    words = _words(text)
    if not words:
        return queryset, False
    fuzzy = connection.vendor == "postgresql"
    for word in words:
        queryset = queryset.filter(_word_q(word, fuzzy))
    if not fuzzy:
        return queryset, False
    return queryset.annotate(relevance=relevance(text)), True


def relevance(text: str):
    """PostgreSQL: how well a child matches the words of `text`, the sum of each word's tier (above)."""
    scores = [_word_relevance(word) for word in _words(text)]
    total = scores[0]
    for score in scores[1:]:
        total = total + score
    return total


def _word_relevance(word: str) -> Case:
    escaped = connection.ops.prep_for_like_query(word)
    return Case(
        When(_names_like(f"% {escaped} %") | _ILike(F("mrn"), Value(escaped)), then=Value(WHOLE)),
        When(_names_like(f"% {escaped}%"), then=Value(START)),
        When(_names_like(f"%{escaped}%") | _ILike(F("mrn"), Value(f"%{escaped}%")), then=Value(INSIDE)),
        default=TrigramWordSimilarity(Value(word), "search_names"),
        output_field=FloatField(),
    )


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
