"""What a client sees when something goes wrong: JSON under /api, a Vietnamese page elsewhere.

API errors always have one shape, ``{"error": {"code": "...", "message": "..."}}``; library
exceptions are mapped by :func:`newssearch.errors.classify`, HTTP ones by their status. The
API's messages are English (for developers); pages take their words from ``messages``.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, abort, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from newssearch.errors import IndexProblem, QueryError, classify
from newssearch.web.messages import explain, page_text

API_PREFIX = "/api"
HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed",
              413: "too_large", 414: "uri_too_long", 429: "too_many_requests", 500: "internal",
              503: "unavailable"}

log = logging.getLogger(__name__)


def is_api() -> bool:
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


def api_error(status: int, code: str, message: str) -> Response:
    resp = jsonify(error={"code": code, "message": message})
    resp.status_code = status
    return resp


def error_page(status: int, detail: str | None = None) -> Response:
    title, advice = page_text(status)
    html = render_template("error.html", status=status, title=title, advice=advice,
                           detail=detail, q=request.args.get("q", "")[:200])
    return Response(html, status=status, mimetype="text/html")


def public_message(e: Exception) -> str:
    """What a client may read of a library error: a server-side problem's message names
    server paths, so clients get a generic one (the log has the full message)."""
    if classify(e).status < 500:
        return str(e)
    return "The search index is not available right now; try again later."


def _library_error(e: Exception) -> Response:
    kind = classify(e)
    if kind.status >= 500:
        log.warning("%s on %s: %s", kind.code, request.path, e)
    if is_api():
        return api_error(kind.status, kind.code, public_message(e))
    return error_page(kind.status, explain(e))


def install(app: Flask) -> None:
    """App-wide handlers, so /api answers JSON even for URLs no view matched."""

    @app.before_request
    def _url_length():
        limit = app.config["MAX_URL_CHARS"]
        if len(request.full_path) > limit:
            abort(414, description=f"The URL is longer than {limit} characters.")

    app.register_error_handler(QueryError, _library_error)
    app.register_error_handler(IndexProblem, _library_error)

    @app.errorhandler(HTTPException)
    def _http(e: HTTPException):
        status = e.code or 500
        if is_api():
            resp = api_error(status, HTTP_CODES.get(status, "error"), e.description or e.name)
        else:
            resp = error_page(status)
        allowed = getattr(e, "valid_methods", None)
        if status == 405 and allowed:
            resp.headers["Allow"] = ", ".join(allowed)
        return resp

    @app.errorhandler(Exception)
    def _crash(e: Exception):
        log.exception("unhandled error on %s", request.path)
        if is_api():
            return api_error(500, "internal", "Internal error; it has been logged.")
        return error_page(500)
