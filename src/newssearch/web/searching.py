"""The web layer's one call into the search engine (pages and API both come through here), and
its result cache.

Why a result cache: news traffic is dominated by a few head queries, and a full page (scoring,
facets, exact total, snippets, suggestions) costs milliseconds of CPU each time. Results are
kept per index generation (``Snapshot.once``: a swap starts an empty cache, so a stale answer
is never served), bounded in memory (``RESULT_CACHE_MB``; when full it is emptied and
refills), keyed by the validated request (every parameter after defaults; the query text as
given). ``RESULT_CACHE=0`` turns it off. Each answer that searched says ``X-Result-Cache:
HIT`` or ``MISS`` (its first search, for a page that runs several), also in the access log
(``rc=``). Not ``X-Cache``: a proxy in front (docs/deploy.md) reports its own cache there.
"""

from __future__ import annotations

import time
from dataclasses import replace

from flask import Flask, Response, current_app, g

from newssearch.index.cache import BoundedCache
from newssearch.index.store import current_build
from newssearch.model import Article
from newssearch.search import SearchEngine, SearchRequest, SearchResult

CACHE_NAME = "web:results"
ENTRY_BYTES = 4096  # a result's objects besides its text (hits, facets, suggestions)


def engine() -> SearchEngine:
    return current_app.extensions["newssearch"]


def slim(result: SearchResult) -> SearchResult:
    """The result without its hits' article bodies: pages and the API show a hit's lead,
    title and snippets only (``HIT_FIELDS``), and a cached body would cost kilobytes each."""
    def cut(a: Article) -> Article:
        return replace(a, body=[], captions=[], related_titles=[])

    return replace(result, hits=[replace(h, article=cut(h.article),
                                         similar=[cut(s) for s in h.similar])
                                 for h in result.hits])


def result_bytes(result: SearchResult) -> int:
    """A rough size of a cached (slim) result: its text at 2 bytes a character (as Vietnamese
    text is held) plus a fixed share for the objects."""
    chars = 0
    for h in result.hits:
        a = h.article
        chars += (len(a.title) + len(a.lead) + len(h.title_html) + sum(map(len, h.snippets))
                  + sum(len(s.title) for s in h.similar))
    return ENTRY_BYTES + 2 * chars


def run(p: SearchRequest, **changes) -> SearchResult:
    """Search with the request's parameters, some replaced (``facets=``, ``page=``, ...)."""
    req = replace(p, **changes) if changes else p
    eng = engine()
    snap = eng.snapshot()
    if not current_app.config["RESULT_CACHE"]:
        return eng.search_on(snap, req)
    budget = current_app.config["RESULT_CACHE_MB"] << 20
    cache = snap.once(CACHE_NAME, lambda: BoundedCache(budget, weigh=result_bytes))
    key = repr(req)  # the request's dataclasses hold lists: their repr is the key
    result = cache.get(key, None)
    g.setdefault("result_cache", "MISS" if result is None else "HIT")
    if result is None:
        result = cache.put(key, slim(eng.search_on(snap, req)))
    return result


def install(app: Flask) -> None:
    @app.after_request
    def _cache_header(resp: Response) -> Response:
        status = g.get("result_cache")
        if status:
            resp.headers["X-Result-Cache"] = status
        return resp


def index_age_seconds() -> float | None:
    """Seconds since the live build last changed (its newest file), None without an index."""
    build = current_build(engine().root)
    if build is None:
        return None
    newest = max((p.stat().st_mtime for p in build.path.iterdir() if p.is_file()), default=None)
    return None if newest is None else round(max(0.0, time.time() - newest), 1)
