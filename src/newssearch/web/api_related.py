"""Related-articles routes of the JSON API (registered on the API blueprint):

- ``GET /api/articles/<id>/related?k=5[&same_source=1&source=…&category=…&from=…&to=…]``:
  what the widget calls. Cached like every API GET (weak ``ETag`` of the index version and
  the request, 304 on ``If-None-Match``) and, since the answer only changes with the index,
  ``Cache-Control: public, max-age=300`` so browsers and CDNs reuse it.
- ``POST /api/related``: JSON ``{title, lead, body, k, published?, category?, tags?,
  source?, same_source?}`` for a page not yet indexed; texts over ``MAX_TEXT_CHARS`` (and
  bodies over the app's byte cap) get 413 in the API error shape. Never cached.

CORS: any origin, no credentials (``api.install``).
"""

from __future__ import annotations

import functools
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, request
from werkzeug.datastructures import MultiDict

from newssearch.errors import QueryError
from newssearch.model import parse_datetime
from newssearch.related import DEFAULT_K, MAX_K, MAX_TEXT_CHARS, RelatedRequest, SeedText, related
from newssearch.search.querylang import parse_date
from newssearch.web.api import PREFIX, conditional
from newssearch.web.errorpages import api_error
from newssearch.web.params import int_arg
from newssearch.web.searching import engine

CACHE_CONTROL = "public, max-age=300"
TEXT_KEYS = ("title", "lead", "body")

bp = Blueprint("api_related", __name__)
__all__ = ["PREFIX", "bp"]


def cacheable(view):
    """Let browsers and CDNs keep a 200 or 304 answer for a few minutes."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        resp = view(*args, **kwargs)
        if resp.status_code in (200, 304):
            resp.headers["Cache-Control"] = CACHE_CONTROL
        return resp

    return wrapper


def _filters(args: MultiDict) -> dict[str, Any]:
    """k and the filters, from query parameters (or a posted object, as a MultiDict)."""
    flag = str(args.get("same_source", "")).strip().lower()
    if flag not in ("", "0", "1", "true", "false"):
        raise QueryError("same_source must be 1 or 0")
    return {
        "k": int_arg(args, "k", DEFAULT_K, 1, MAX_K),
        "same_source": flag in ("1", "true"),
        "sources": tuple(s for s in args.getlist("source") if s.strip()),
        "categories": tuple(c for c in args.getlist("category") if c.strip()),
        "date_from": parse_date(args["from"], "from") if args.get("from") else None,
        "date_to": parse_date(args["to"], "to") if args.get("to") else None,
    }


@bp.get("/articles/<path:article_id>/related")
@cacheable
@conditional
def article_related(article_id: str):
    req = RelatedRequest(article_id=article_id, **_filters(request.args))
    # The widget asks for the same lists over and over: keep their JSON per generation.
    answers = engine().snapshot().memo_cache("related_json", 20_000)
    body = answers.get(req, None)
    if body is None:
        result = related(engine(), req)
        if result is None:
            abort(404, description=f"No article with id {article_id!r}.")
        body = answers.put(req, current_app.json.dumps(result.to_dict()))
    return Response(body, mimetype="application/json")


def _arg(value: object) -> str:
    """A JSON value as the query-string text the shared parameter checks read (``5.0`` is
    the whole number 5, as JSON Schema counts it)."""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _text(obj: dict, key: str) -> str:
    value = obj.get(key, "")
    if not isinstance(value, str):
        raise QueryError(f"{key} must be a string")
    return value


def _seed(obj: dict) -> SeedText:
    tags = obj.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise QueryError("tags must be a list of strings")
    published = _text(obj, "published")
    try:
        when = parse_datetime(published) if published else None
    except ValueError:
        raise QueryError("published must be an ISO 8601 date or time") from None
    return SeedText(title=_text(obj, "title"), lead=_text(obj, "lead"), body=_text(obj, "body"),
                    published=when, category=_text(obj, "category") or None,
                    tags=tuple(tags), source=_text(obj, "source") or None)


@bp.post("/related")
def text_related():
    obj = request.get_json(silent=True)  # a body over the app's cap raises 413 here
    if not isinstance(obj, dict):
        raise QueryError('Send a JSON object: {"title", "lead", "body", "k"}.')
    if sum(len(v) for k in TEXT_KEYS if isinstance(v := obj.get(k), str)) > MAX_TEXT_CHARS:
        return api_error(413, "too_large",
                         f"title, lead and body together exceed {MAX_TEXT_CHARS} characters.")
    if "same_source" in obj and not isinstance(obj["same_source"], bool):
        raise QueryError("same_source must be true or false")
    args = MultiDict({k: _arg(v) for k, v in obj.items()
                      if k in ("k", "same_source", "from", "to")})
    result = related(engine(), RelatedRequest(text=_seed(obj), **_filters(args)))
    resp: Response = jsonify(result.to_dict())
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Index-Version"] = result.index_version
    return resp
