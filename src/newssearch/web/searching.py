"""The web layer's one call into the search engine (pages and API both come through here)."""

from __future__ import annotations

import time
from dataclasses import replace

from flask import current_app

from newssearch.index.store import current_build
from newssearch.search import SearchEngine, SearchRequest, SearchResult


def engine() -> SearchEngine:
    return current_app.extensions["newssearch"]


def run(p: SearchRequest, **changes) -> SearchResult:
    """Search with the request's parameters, some replaced (``facets=``, ``page=``, ...)."""
    return engine().search(replace(p, **changes) if changes else p)


def index_age_seconds() -> float | None:
    """Seconds since the live build last changed (its newest file), None without an index."""
    build = current_build(engine().root)
    if build is None:
        return None
    newest = max((p.stat().st_mtime for p in build.path.iterdir() if p.is_file()), default=None)
    return None if newest is None else round(max(0.0, time.time() - newest), 1)
