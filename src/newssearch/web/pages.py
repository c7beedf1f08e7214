"""HTML pages. Jinja autoescaping covers every value; snippets arrive already escaped."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from markupsafe import Markup

from ..querylang import QueryError
from ..store import IndexProblem
from . import engine

bp = Blueprint("pages", __name__)


@bp.get("/")
def search_page():
    q = request.args.get("q", "").strip()
    result, error = None, None
    if q:
        try:
            page = max(1, request.args.get("page", 1, type=int) or 1)
            result = engine().search(q, page=page)
        except QueryError as e:
            error = str(e)
        except IndexProblem as e:
            return render_template("search.html", q=q, error=str(e), result=None,
                                   Markup=Markup), 503
    return render_template("search.html", q=q, result=result, error=error, Markup=Markup), (
        400 if error else 200
    )
