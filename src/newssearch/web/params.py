"""Query-string parameters of the search page and the API, turned into a ``SearchRequest``.

Only string handling lives here (whole numbers, dates, comma lists, repeated values); the
bounds are the request's own, so the web and the CLI refuse the same values. Every bad value
becomes a :class:`QueryError` with a message for the reader: 400 in the API, never a 500.
"""

from __future__ import annotations

import math

from werkzeug.datastructures import MultiDict

from ..querylang import QueryError, parse_date
from ..search import FACETS, MAX_PAGE, MAX_PER_PAGE, MAX_RECENCY, Filters, SearchRequest

MAX_PARAM_CHARS = 1000


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
    return tuple(n.strip() for n in args.get("facets", "").split(",") if n.strip())


def flag_arg(args: MultiDict, name: str, default: bool = False) -> bool:
    """A yes/no parameter: 1/true/yes or 0/false/no (absent or empty: the default)."""
    raw = args.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes"):
        return True
    if raw in ("0", "false", "no"):
        return False
    raise QueryError(f"{name} must be 1 or 0, not {raw[:40]!r}")


def search_params(args: MultiDict, default_per_page: int = 10) -> SearchRequest:
    """Parse q, tag, category, source, from, to, sort, page, per_page, facets, recency,
    match, literal, fold."""
    return SearchRequest(
        query=_text(args, "q"),
        filters=Filters(
            tags=_texts(args, "tag"),
            categories=_texts(args, "category"),
            sources=_texts(args, "source"),
            date_from=_date_arg(args, "from"),
            date_to=_date_arg(args, "to"),
        ),
        sort=_text(args, "sort").strip() or "relevance",
        page=int_arg(args, "page", 1, 1, MAX_PAGE),
        per_page=int_arg(args, "per_page", default_per_page, 1, MAX_PER_PAGE),
        facets=_facets_arg(args),
        recency=_float_arg(args, "recency", 0.0, 0.0, MAX_RECENCY),
        match=_text(args, "match").strip() or "all",
        literal=flag_arg(args, "literal"),
        fold=flag_arg(args, "fold", True),
    )
