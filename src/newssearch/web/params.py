"""Request parameters shared by the search page and the API, validated into QueryErrors.

Every bad value becomes a :class:`QueryError` with a message for the reader, so the API answers
400 and the page shows the message, never a 500.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict

from ..querylang import QueryError, parse_date
from ..search import FACETS, MAX_PER_PAGE, Filters

MAX_PAGE = 100_000
MAX_RECENCY = 10.0
MAX_PARAM_CHARS = 1000


@dataclass
class SearchParams:
    q: str = ""
    filters: Filters = field(default_factory=Filters)
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10
    facets: tuple[str, ...] = FACETS
    recency: float = 0.0

    @property
    def has_filters(self) -> bool:
        f = self.filters
        return bool(f.tags or f.categories or f.sources or f.date_from or f.date_to)


def _text(args: MultiDict, name: str) -> str:
    value = args.get(name, "")
    if len(value) > MAX_PARAM_CHARS:
        raise QueryError(f"{name} is too long (at most {MAX_PARAM_CHARS} characters)")
    return value


def _texts(args: MultiDict, name: str) -> list[str]:
    out = []
    for v in args.getlist(name):
        if len(v) > MAX_PARAM_CHARS:
            raise QueryError(f"{name} is too long (at most {MAX_PARAM_CHARS} characters)")
        if v.strip():
            out.append(v.strip())
    return out


def int_arg(args: MultiDict, name: str, default: int, lo: int, hi: int) -> int:
    raw = args.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw, 10)
    except ValueError:
        raise QueryError(f"{name} must be a whole number, not {raw[:40]!r}") from None
    if not lo <= value <= hi:
        raise QueryError(f"{name} must be between {lo} and {hi}")
    return value


def _float_arg(args: MultiDict, name: str, default: float, lo: float, hi: float) -> float:
    raw = args.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise QueryError(f"{name} must be a number, not {raw[:40]!r}") from None
    if not math.isfinite(value) or not lo <= value <= hi:
        raise QueryError(f"{name} must be a number between {lo:g} and {hi:g}")
    return value


def _date_arg(args: MultiDict, name: str):
    raw = _text(args, name).strip()
    return parse_date(raw, name) if raw else None


def _facets_arg(args: MultiDict) -> tuple[str, ...]:
    if "facets" not in args:
        return FACETS
    names = tuple(dict.fromkeys(n.strip() for n in args.get("facets", "").split(",")
                                if n.strip()))
    unknown = [n for n in names if n not in FACETS]
    if unknown:
        raise QueryError(f"unknown facet(s): {', '.join(unknown)[:200]}; known: "
                         f"{', '.join(FACETS)}")
    return names


def search_params(args: MultiDict, default_per_page: int = 10) -> SearchParams:
    """Parse q, tag, category, source, from, to, sort, page, per_page, facets, recency."""
    sort = _text(args, "sort").strip() or "relevance"
    if sort not in ("relevance", "newest"):
        raise QueryError(f"sort must be 'relevance' or 'newest', not {sort[:40]!r}")
    return SearchParams(
        q=_text(args, "q"),
        filters=Filters(
            tags=_texts(args, "tag"),
            categories=_texts(args, "category"),
            sources=_texts(args, "source"),
            date_from=_date_arg(args, "from"),
            date_to=_date_arg(args, "to"),
        ),
        sort=sort,
        page=int_arg(args, "page", 1, 1, MAX_PAGE),
        per_page=int_arg(args, "per_page", default_per_page, 1, MAX_PER_PAGE),
        facets=_facets_arg(args),
        recency=_float_arg(args, "recency", 0.0, 0.0, MAX_RECENCY),
    )
