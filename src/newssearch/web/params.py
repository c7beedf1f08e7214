"""Query-string parameters of the search page and the API, turned into a ``SearchRequest``.

Only string handling lives here (whole numbers, dates, comma lists, repeated values); the
bounds and choices are the request's own, so the web and the CLI refuse the same values.
Every bad value becomes a :class:`ParamError` naming the parameter and the kind of problem:
the API answers 400 with its English message, the pages say it in Vietnamese (``messages``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from werkzeug.datastructures import MultiDict

from newssearch.errors import ParamError, QueryError
from newssearch.search import (
    FACETS,
    MATCH_MODES,
    MAX_PAGE,
    MAX_PER_PAGE,
    MAX_RECENCY,
    SORTS,
    Filters,
    SearchRequest,
)
from newssearch.search.querylang import parse_date
from newssearch.search.request import FRAGMENT_CHARS, MAX_FRAGMENTS, facet_names

MAX_PARAM_CHARS = 1000
FLAG_VALUES = ("1", "0", "true", "false", "yes", "no")


def _checked(name: str, value: str) -> str:
    if len(value) > MAX_PARAM_CHARS:
        raise ParamError(f"{name} is too long (at most {MAX_PARAM_CHARS} characters)", name,
                         "too_long", hi=MAX_PARAM_CHARS)
    return value


def text_arg(args: MultiDict, name: str) -> str:
    """A text parameter (empty when absent), refused past ``MAX_PARAM_CHARS``."""
    return _checked(name, args.get(name, ""))


def _texts(args: MultiDict, name: str) -> list[str]:
    return [v.strip() for v in args.getlist(name) if _checked(name, v).strip()]


def int_arg(args: MultiDict, name: str, default: int, lo: int, hi: int) -> int:
    raw = args.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw, 10)
    except ValueError:
        raise ParamError(f"{name} must be a whole number, not {raw[:40]!r}", name, "whole",
                         lo=lo, hi=hi, value=raw) from None
    if not lo <= value <= hi:
        raise ParamError(f"{name} must be between {lo} and {hi}", name, "range", lo=lo, hi=hi,
                         value=raw)
    return value


def _float_arg(args: MultiDict, name: str, default: float, lo: float, hi: float) -> float:
    raw = args.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not lo <= value <= hi:
        raise ParamError(f"{name} must be a number between {lo:g} and {hi:g}", name, "number",
                         lo=lo, hi=hi, value=raw)
    return value


def _choice_arg(args: MultiDict, name: str, choices: Sequence[str], default: str) -> str:
    raw = text_arg(args, name).strip()
    if raw and raw not in choices:
        raise ParamError(f"{name} must be {' or '.join(map(repr, choices))}, not {raw[:40]!r}",
                         name, "choice", choices=choices, value=raw)
    return raw or default


def _date_arg(args: MultiDict, name: str):
    raw = text_arg(args, name).strip()
    if not raw:
        return None
    try:
        return parse_date(raw, name)
    except QueryError as e:
        raise ParamError(str(e), name, "date", value=raw) from None


def _facets_arg(args: MultiDict) -> tuple[str, ...]:
    if "facets" not in args:
        return FACETS
    raw = text_arg(args, "facets")
    try:
        return facet_names([n.strip() for n in raw.split(",") if n.strip()])
    except QueryError as e:
        raise ParamError(str(e), "facets", "choice", choices=FACETS, value=raw) from None


def flag_arg(args: MultiDict, name: str, default: bool = False) -> bool:
    """A yes/no parameter: 1/true/yes or 0/false/no (absent or empty: the default)."""
    raw = args.get(name, "").strip().lower()
    if not raw:
        return default
    if raw not in FLAG_VALUES:
        raise ParamError(f"{name} must be 1 or 0, not {raw[:40]!r}", name, "flag", value=raw)
    return raw in ("1", "true", "yes")


def search_params(args: MultiDict, default_per_page: int = 10) -> SearchRequest:
    """Every parameter of the library search: q, tag, category, source, from, to, sort, page,
    per_page, facets, recency, match, literal, fold, snippets, fragment_chars, max_fragments,
    suggest."""
    defaults = SearchRequest()
    return SearchRequest(
        query=text_arg(args, "q"),
        filters=Filters(
            tags=_texts(args, "tag"),
            categories=_texts(args, "category"),
            sources=_texts(args, "source"),
            date_from=_date_arg(args, "from"),
            date_to=_date_arg(args, "to"),
        ),
        sort=_choice_arg(args, "sort", SORTS, defaults.sort),
        page=int_arg(args, "page", 1, 1, MAX_PAGE),
        per_page=int_arg(args, "per_page", default_per_page, 1, MAX_PER_PAGE),
        facets=_facets_arg(args),
        recency=_float_arg(args, "recency", 0.0, 0.0, MAX_RECENCY),
        snippets=flag_arg(args, "snippets", defaults.snippets),
        fragment_chars=int_arg(args, "fragment_chars", defaults.fragment_chars,
                               *FRAGMENT_CHARS),
        max_fragments=int_arg(args, "max_fragments", defaults.max_fragments, 0, MAX_FRAGMENTS),
        suggest=flag_arg(args, "suggest", defaults.suggest),
        match=_choice_arg(args, "match", MATCH_MODES, defaults.match),
        literal=flag_arg(args, "literal", defaults.literal),
        fold=flag_arg(args, "fold", defaults.fold),
    )
