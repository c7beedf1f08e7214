"""JSON API under /api: every error is JSON ``{"error": "..."}``, never an HTML page.

Endpoints (all GET):
- ``/api/search?q=`` with ``tag``, ``category``, ``source`` (repeatable), ``from``, ``to``
  (2020-10-25 or 25/10/2020), ``sort`` (relevance|newest), ``page``, ``per_page`` (1..100),
  ``facets`` (comma list of tags,category,source,month; empty for none), ``recency`` (0..10);
- ``/api/suggest?q=&limit=``: completions for a search box;
- ``/api/articles/<id>``: one stored article (ids may contain ``/`` and spaces);
- ``/api/stats``: article count, date span, sources, index size and version.

Caching: every response that knows the index carries ``X-Index-Version`` and a weak ``ETag``
derived from the index version and the request (path and query string). A GET whose
``If-None-Match`` holds that tag gets 304 without the work being redone. The index version
changes with every rebuild and update, so a tag never outlives the data it describes.
"""

from __future__ import annotations

import functools
import hashlib
import logging

from flask import Blueprint, Flask, Response, abort, jsonify, request
from werkzeug.exceptions import HTTPException

from ..querylang import QueryError
from ..store import IndexProblem
from . import engine
from .params import int_arg, search_params

PREFIX = "/api"
MAX_SUGGEST = 20

bp = Blueprint("api", __name__)
log = logging.getLogger(__name__)


def _is_api() -> bool:
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


def _error(message: str, status: int) -> tuple[Response, int]:
    return jsonify(error=message), status


def _etag(version: str, status: int = 200) -> str:
    raw = f"{version}\0{request.method if request.method != 'HEAD' else 'GET'}\0" \
          f"{request.full_path}\0{status}"
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:32]


@bp.errorhandler(QueryError)
def _bad_query(e: QueryError):
    return _error(str(e), 400)


@bp.errorhandler(IndexProblem)
def _no_index(e: IndexProblem):
    return _error(str(e), 503)


def conditional(view):
    """Answer 304 when If-None-Match holds the tag this request's 200 answer would carry."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        version = engine().index_version  # IndexProblem -> 503
        tag = _etag(version)
        if request.if_none_match and request.if_none_match.contains_weak(tag):
            resp = Response(status=304)
        else:
            resp = view(*args, **kwargs)
            if not isinstance(resp, Response):
                resp = jsonify(resp)
        if resp.status_code in (200, 304):
            resp.set_etag(tag, weak=True)
        resp.headers["X-Index-Version"] = version
        return resp

    return wrapper


@bp.get("/search")
@conditional
def search():
    p = search_params(request.args)
    res = engine().search(p.q, filters=p.filters, facets=p.facets, sort=p.sort, page=p.page,
                          per_page=p.per_page, recency=p.recency)
    return res.to_dict()


@bp.get("/suggest")
@conditional
def suggest():
    q = request.args.get("q", "")
    limit = int_arg(request.args, "limit", 8, 1, MAX_SUGGEST)
    return {"query": q, "suggestions": engine().suggest(q, limit=limit)}


@bp.get("/articles/<path:article_id>")
@conditional
def article(article_id: str):
    a = engine().article(article_id)
    if a is None:
        abort(404, description=f"No article with id {article_id!r}.")
    return a.to_dict()


@bp.get("/stats")
@conditional
def stats():
    st = engine().stats()
    st.pop("path", None)  # the server's file system layout is none of the client's business
    return st


def install(app: Flask) -> None:
    """App-wide handlers, so that /api answers JSON even for URLs no view matched."""

    @app.errorhandler(HTTPException)
    def _http(e: HTTPException):
        if not _is_api():
            return e
        resp, status = _error(e.description or e.name, e.code or 500)
        if e.code == 405 and e.valid_methods:
            resp.headers["Allow"] = ", ".join(e.valid_methods)
        return resp, status

    @app.errorhandler(Exception)
    def _crash(e: Exception):
        log.exception("unhandled error on %s", request.path)
        if _is_api():
            return _error("Internal error; it has been logged.", 500)
        return Response("<!doctype html><title>Error</title><p>Internal error.</p>",
                        status=500, mimetype="text/html")

    @app.after_request
    def _api_headers(resp: Response) -> Response:
        if not _is_api():
            return resp
        resp.headers.setdefault("Cache-Control", "no-cache")
        if "X-Index-Version" not in resp.headers:
            try:
                version = engine().index_version
            except Exception:  # noqa: BLE001 - no index: no version to report
                return resp
            resp.headers["X-Index-Version"] = version
            if not resp.get_etag()[0]:
                resp.set_etag(_etag(version, resp.status_code), weak=True)
        return resp
