"""Tag pages ``/tag/<name>``: the newest and the most relevant articles with a tag.

A tag is the publisher's or an extracted one (a person, a place, an organisation): the page
filters like ``tag:`` and ``?tag=`` do, so both kinds have a page. Relevance ranks the tagged
articles by the tag's own words (an article naming it in its title first); the names that
come with it most often link to their pages.
"""

from __future__ import annotations

import re

from flask import Blueprint, current_app, render_template
from werkzeug.datastructures import MultiDict

from newssearch.errors import QueryError
from newssearch.search import SearchRequest
from newssearch.web.errorpages import error_page
from newssearch.web.messages import explain
from newssearch.web.params import search_params
from newssearch.web.searching import run

bp = Blueprint("tagpage", __name__)

PER_LIST = 10
NEARBY = 12  # names shown as often found with this one
QUERY_SYNTAX_RE = re.compile(r"[^\w\s]")


@bp.get("/tag/<path:name>")
def tag_page(name: str):
    name = " ".join(name.split())
    if not name:
        return error_page(400, "Thiếu tên thẻ.")
    try:
        p = search_params(MultiDict({"tag": name}), current_app.config["PER_PAGE"])
        newest = run(p, sort="newest", per_page=PER_LIST, facets=("names", "tags"),
                     snippets=False, suggest=False)
        if newest.total == 0:
            return error_page(404, f"Không có bài viết nào mang thẻ “{name[:200]}”.")
        words = " ".join(QUERY_SYNTAX_RE.sub(" ", name).split())
        relevant = run(SearchRequest(query=words, filters=p.filters, match="any"),
                       per_page=PER_LIST, facets=(), snippets=False, suggest=False)
    except QueryError as e:
        return error_page(400, explain(e))
    key = name.casefold()
    nearby = [f for f in newest.facets.get("names", []) + newest.facets.get("tags", [])
              if f.value.casefold() != key][:NEARBY]
    return render_template("tag.html", name=name, q="", newest=newest, relevant=relevant,
                           nearby=nearby)
