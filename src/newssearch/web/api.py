"""JSON API: every error is JSON with a message, never an HTML 500 page."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from ..querylang import QueryError
from ..search import Filters
from ..store import IndexProblem
from . import engine

bp = Blueprint("api", __name__)


@bp.errorhandler(QueryError)
def _bad_query(e):
    return jsonify(error=str(e)), 400


@bp.errorhandler(IndexProblem)
def _no_index(e):
    return jsonify(error=str(e)), 503


@bp.get("/search")
def search():
    a = request.args
    res = engine().search(
        a.get("q", ""),
        filters=Filters(tags=a.getlist("tag"), categories=a.getlist("category"),
                        sources=a.getlist("source")),
        sort=a.get("sort", "relevance"),
        page=a.get("page", 1, type=int) or 1,
        per_page=a.get("per_page", 10, type=int) or 10,
    )
    resp = jsonify(res.to_dict())
    resp.headers["X-Index-Version"] = res.index_version
    return resp
