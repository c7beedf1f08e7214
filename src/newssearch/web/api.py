"""JSON API under /api (all GET; described by /api/openapi.json).

- ``/api/search``: every parameter of the library search (see ``params.search_params``);
- ``/api/suggest?q=&limit=&articles=``: completions for a search box (phrases as titles write
  them, with how much of each the reader typed) and the titles of the best articles for the
  first one;
- ``/api/articles/<id>``: one stored article (ids may contain ``/`` and spaces);
- ``/api/health``: ok / not ready, index version, article count, index age (503 without index);
- ``/api/stats``: article count, date span, sources, index size and version.

Caching: every response that knows the index carries ``X-Index-Version`` and a weak ``ETag``
derived from the index version and the request (path and query string). A GET whose
``If-None-Match`` holds that tag gets 304 without the work being redone. The index version
changes with every rebuild and update, so a tag never outlives the data it describes.
Errors: ``{"error": {"code", "message"}}`` (see ``errorpages``). CORS: any origin, no
credentials.
"""

from __future__ import annotations

import functools
import hashlib

from flask import Blueprint, Flask, Response, abort, jsonify, render_template, request

from newssearch.errors import IndexProblem, classify
from newssearch.web import openapi
from newssearch.web.errorpages import api_error, is_api, public_message
from newssearch.web.params import int_arg, search_params, text_arg
from newssearch.web.searching import engine, index_age_seconds, run

PREFIX = "/api"
MAX_SUGGEST = 20
MAX_SUGGEST_ARTICLES = 5

bp = Blueprint("api", __name__)


def _etag(version: str, status: int = 200) -> str:
    raw = f"{version}\0{request.method if request.method != 'HEAD' else 'GET'}\0" \
          f"{request.full_path}\0{status}"
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def conditional(view):
    """Answer 304 when If-None-Match holds the tag this request's 200 answer would carry."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        version = engine().index_version  # IndexProblem -> 503
        pinned = text_arg(request.args, "v")  # over MAX_PARAM_CHARS: 400, as documented
        if pinned and pinned != version:  # paging pinned to a version this replica left
            resp = api_error(409, "version_gone", f"Index version {pinned[:80]!r} is no "
                             f"longer served (now {version}): restart from page 1.")
            resp.headers["X-Index-Version"] = version
            return resp
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
    return run(search_params(request.args)).to_dict()


@bp.get("/suggest")
@conditional
def suggest():
    q = text_arg(request.args, "q")
    limit = int_arg(request.args, "limit", 8, 1, MAX_SUGGEST)
    k = int_arg(request.args, "articles", 0, 0, MAX_SUGGEST_ARTICLES)
    got = engine().suggest(q, limit=limit)
    return {"query": q, "suggestions": [c.text for c in got],
            "completions": [c.to_dict() for c in got],
            "articles": [{"id": a.id, "title": a.title}
                         for a in engine().suggest_articles(got, k)]}


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
    return engine().stats().to_dict()


@bp.get("/health")
def health():
    """For load balancers and monitors: never cached, 503 until an index is loaded."""
    try:
        st = engine().stats().to_dict()
        body = {"status": "ok", "index_version": st["index_version"],
                "articles": st["articles"], "index_age_seconds": index_age_seconds()}
        resp = jsonify(body)
    except IndexProblem as e:
        kind = classify(e)
        resp = jsonify(status="not_ready",
                       error={"code": kind.code, "message": public_message(e)})
        resp.status_code = kind.status
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/openapi.json")
def openapi_json():
    return openapi.document()


@bp.get("/docs")
def docs():
    return render_template("api_docs.html", doc=openapi.document())


def install(app: Flask) -> None:
    @app.after_request
    def _api_headers(resp: Response) -> Response:
        if not is_api():
            return resp
        if request.method in ("GET", "HEAD", "OPTIONS", "POST"):  # POST: /api/related
            resp.headers["Access-Control-Allow-Origin"] = "*"
            resp.headers["Access-Control-Expose-Headers"] = ("ETag, X-Index-Version, "
                                                             "X-Result-Cache")
            if request.method == "OPTIONS":
                resp.headers["Access-Control-Allow-Methods"] = "GET, HEAD, POST, OPTIONS"
                resp.headers["Access-Control-Allow-Headers"] = "If-None-Match, Content-Type"
                resp.headers["Access-Control-Max-Age"] = "86400"
        resp.headers.setdefault("Cache-Control", "no-cache")
        if "X-Index-Version" not in resp.headers:
            try:
                version = engine().index_version
            except Exception:  # noqa: BLE001 - no index: no version to report
                return resp
            resp.headers["X-Index-Version"] = version
            if not resp.get_etag()[0] and resp.headers["Cache-Control"] != "no-store":
                resp.set_etag(_etag(version, resp.status_code), weak=True)
        return resp
