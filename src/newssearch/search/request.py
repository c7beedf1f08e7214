"""What a search asks for, validated once.

The CLI and the web layer only turn strings into a :class:`SearchRequest`; every bound lives
here, so a value that is wrong for one layer is wrong for all of them (``--recency nan`` in the
CLI used to score every hit ``nan``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from newssearch.errors import QueryError
from newssearch.search.querylang import MAX_QUERY_CHARS, Filters

FACETS = ("tags", "names", "category", "source", "month")  # names: extracted tags
SORTS = ("relevance", "newest")
MATCH_MODES = ("all", "any")  # all: the best tier found; any: partial matches too
MAX_PER_PAGE = 100
MAX_PAGE = 100_000
MAX_RECENCY = 10.0
FRAGMENT_CHARS = (40, 1000)
MAX_FRAGMENTS = 10


@dataclass(frozen=True)
class SearchRequest:
    """One search. Construction raises :class:`QueryError` with a message a reader can act on.

    ``facets`` accepts True (all), False/None (none) or names; it is stored as a tuple.
    """

    query: str = ""
    filters: Filters = field(default_factory=Filters)
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10
    recency: float = 0.0
    facets: tuple[str, ...] = FACETS
    snippets: bool = True
    fragment_chars: int = 180
    max_fragments: int = 3
    suggest: bool = True
    match: str = "all"
    literal: bool = False  # search exactly what was typed: no Telex/VNI reading, no typo guesses
    fold: bool = True  # the same story under several ids: listed once, the copies under it

    def __post_init__(self) -> None:
        if not isinstance(self.query, str):
            raise QueryError("the query must be text")
        if len(self.query) > MAX_QUERY_CHARS:
            raise QueryError(
                f"The query is {len(self.query)} characters long; the limit is {MAX_QUERY_CHARS}.")
        if self.sort not in SORTS:
            raise QueryError(f"sort must be 'relevance' or 'newest', not {str(self.sort)[:40]!r}")
        if self.match not in MATCH_MODES:
            raise QueryError(f"match must be 'all' or 'any', not {str(self.match)[:40]!r}")
        _int_between("page", self.page, 1, MAX_PAGE)
        _int_between("per_page", self.per_page, 1, MAX_PER_PAGE)
        _int_between("fragment_chars", self.fragment_chars, *FRAGMENT_CHARS)
        _int_between("max_fragments", self.max_fragments, 0, MAX_FRAGMENTS)
        if (isinstance(self.recency, bool) or not isinstance(self.recency, int | float)
                or not math.isfinite(self.recency) or not 0 <= self.recency <= MAX_RECENCY):
            raise QueryError(f"recency must be a number between 0 and {MAX_RECENCY:g}")
        object.__setattr__(self, "facets", facet_names(self.facets))

    @property
    def has_filters(self) -> bool:
        f = self.filters
        return bool(f.tags or f.categories or f.sources or f.date_from or f.date_to)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def facet_names(facets: Iterable[str] | bool | None) -> tuple[str, ...]:
    """True means every facet, False/None none; unknown names are a QueryError."""
    if facets is True:
        return FACETS
    if not facets:
        return ()
    if isinstance(facets, str):
        facets = (facets,)
    names = tuple(dict.fromkeys(facets))
    unknown = [n for n in names if n not in FACETS]
    if unknown:
        raise QueryError(f"unknown facet(s): {', '.join(map(str, unknown))[:200]}; known: "
                         f"{', '.join(FACETS)}")
    return names


def _int_between(name: str, value, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise QueryError(f"{name} must be a whole number between {lo} and {hi}")
