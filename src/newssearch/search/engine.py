"""The one search entry point for CLI and web: ``SearchEngine``.

It keeps the live index generation open, picks up rebuilds and updates by itself (checked at
most every ``refresh_seconds``), and closes replaced generations after a grace period, since
requests that began on them may still be running.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np

from newssearch.errors import IndexProblem
from newssearch.index.columns import from_whoosh_dt
from newssearch.index.ranking import RankingConfig
from newssearch.index.snapshot import Snapshot
from newssearch.index.store import current_build
from newssearch.model import Article
from newssearch.search import highlight
from newssearch.search.autocomplete import Completion, complete
from newssearch.search.facets import count_facets
from newssearch.search.folding import Story, fold_page
from newssearch.search.loose import widen
from newssearch.search.matching import TIER_NAMES, WHOLE, Evaluation, Matcher, evaluate
from newssearch.search.plan import QueryPlan, build_plan
from newssearch.search.querylang import parse
from newssearch.search.request import SearchRequest
from newssearch.search.results import Hit, IndexStats, SearchResult, Suggestions
from newssearch.search.rewrite import read_as_vietnamese
from newssearch.search.scoring import apply_recency, rank
from newssearch.search.spelling import prepare, suggestions
from newssearch.search.topicvec import rerank
from newssearch.search.typos import add_neighbours
from newssearch.text.analysis import fold

log = logging.getLogger(__name__)


def whole_words(snap: Snapshot, plan: QueryPlan) -> tuple[highlight.Whole, frozenset[str]]:
    """The query's words the search matches whole (folded syllables: the words it kept whole,
    multi-syllable forms such as ``học sinh`` for ``hs``, quoted phrases) and the syllables
    typed outside them, for highlighting what matched rather than every syllable."""
    left = Counter(fold(s) for s in plan.syllables)
    whole: list[tuple[str, ...]] = []

    def take(syls: tuple[str, ...]) -> None:
        whole.append(syls)
        if all(left[x] > 0 for x in syls):
            left.subtract(syls)

    for sp in Matcher(snap, plan).whole_words():
        take(sp.syls)
    for u in plan.units:
        for alt in u.alternatives:
            if len(alt.syls) > 1:
                take(tuple(fold(x) for x in alt.syls))
    for ph in plan.phrases:
        take(tuple(fold(x) for x in ph.syls))
    return tuple(whole), frozenset(x for x, n in left.items() if n > 0)


def evaluate_query(snap: Snapshot, query: str, req: SearchRequest
                   ) -> tuple[QueryPlan, Evaluation]:
    """The query's plan and which documents match it, in tiers, with the looser on-topic
    matches when every word is asked for."""
    pq = parse(query)
    plan = build_plan(pq, snap.config.max_units)
    if not req.literal:
        plan.slips = add_neighbours(snap, plan)
    ev = evaluate(snap, pq, plan, req.filters.merged(pq), req.match)
    return plan, (widen(snap, plan, ev) if req.match == "all" else ev)


def hit_tier(ev: Evaluation, docnum: int) -> str:
    """How a hit matches: its own tier when it is a looser match or match=any."""
    if ev.loose is not None and ev.loose[docnum] >= 0:
        return TIER_NAMES[ev.loose[docnum]]
    if ev.tiers is not None:
        return TIER_NAMES[ev.tiers[docnum]]
    return TIER_NAMES[ev.tier]


class SearchEngine:
    """Searches the live index under ``root``."""

    def __init__(self, root: str | Path = "index", config: RankingConfig | None = None,
                 retire_seconds: float = 60.0, refresh_seconds: float = 1.0,
                 warm: Callable[[SearchEngine, Snapshot], None] | None = None):
        """``warm(engine, snapshot)``, when given, prepares a newly opened generation (caches,
        a few searches through ``search_on``) before it replaces the live one, on a thread of
        its own; requests keep being answered from the old generation meanwhile. Without it
        (the CLI), a new generation is opened by the caller that notices it."""
        self.root = Path(root)
        self.config = config or RankingConfig()
        self.retire_seconds = retire_seconds
        self.refresh_seconds = refresh_seconds
        self.warm = warm
        self._snap: Snapshot | None = None
        self._checked = 0.0
        self._lock = threading.Lock()
        self._opening = False  # a new generation is being opened and warmed
        self._retired: list[tuple[float, Snapshot]] = []

    def snapshot(self) -> Snapshot:
        """The live generation (opened on first use, reopened when the index changed)."""
        now = time.monotonic()
        snap = self._snap
        if snap is not None and (now - self._checked < self.refresh_seconds or self._opening):
            return snap
        with self._lock:
            self._checked = now
            if self._retired:
                self._close_retired(now)
            snap = self._snap
            if snap is not None:
                cur = current_build(self.root)
                if (self._opening or cur is not None and cur.name == snap.build.name
                        and snap.ix.latest_generation() == snap.generation):
                    return snap
            if snap is None:  # the first generation: every caller waits for it
                self._snap = Snapshot(self.root, self.config)
                threading.Thread(target=prepare, args=(self._snap,), daemon=True).start()
                return self._snap
            self._opening = True
        if self.warm is not None:
            # A served engine: the caller that noticed the change (a reader's request, most
            # likely) goes on with the live generation; the new one opens and warms beside it
            # (seconds on a large index, which a sync worker's queue would otherwise wait for).
            threading.Thread(target=self._swap_in, args=(snap,), daemon=True,
                             name="newssearch-swap").start()
            return snap
        return self._swap_in(snap)

    def _swap_in(self, snap: Snapshot) -> Snapshot:
        """Open (and warm) the new generation, then make it the live one."""
        new = None
        try:
            new = self._open_warm()
        except IndexProblem as e:
            # CURRENT gone or the new build unreadable: keep answering from the old one.
            log.warning("keeping index %s: %s", snap.version, e)
        except Exception:  # never leave _opening set: the engine would stop refreshing
            log.exception("keeping index %s: opening the new one failed", snap.version)
        finally:
            with self._lock:
                self._opening = False
                if new is not None:
                    self._snap = new
                    self._retired.append((time.monotonic(), snap))
        return new or snap

    def _open_warm(self) -> Snapshot:
        new = Snapshot(self.root, self.config)
        if self.warm is None:
            # Did-you-mean's vocabularies take a fraction of a second: built off the request path.
            threading.Thread(target=prepare, args=(new,), daemon=True).start()
            return new
        try:
            self.warm(self, new)
        except Exception:
            log.exception("warming index %s failed", new.version)
        return new

    def _close_retired(self, now: float) -> None:
        keep = []
        for since, old in self._retired:
            if now - since >= self.retire_seconds:
                old.close()
            else:
                keep.append((since, old))
        self._retired = keep

    @property
    def index_version(self) -> str:
        return self.snapshot().version

    def search(self, request: SearchRequest | str, **fields) -> SearchResult:
        """Run a search. ``search("phong tho", per_page=5)`` is short for
        ``search(SearchRequest(query="phong tho", per_page=5))``."""
        return self.search_on(self.snapshot(), request, **fields)

    def search_on(self, snap: Snapshot, request: SearchRequest | str, **fields) -> SearchResult:
        """A search on one given generation (warming a new one before it goes live)."""
        t0 = time.perf_counter()
        req = request if isinstance(request, SearchRequest) else SearchRequest(request, **fields)
        corrected = None if req.literal else read_as_vietnamese(snap, req.query)
        plan, ev = evaluate_query(snap, corrected or req.query, req)
        if corrected and not ev.mask.any():  # read as Vietnamese it finds nothing: as typed
            corrected = None
            plan, ev = evaluate_query(snap, req.query, req)
        scores = ev.scores
        if scores is not None and req.sort == "relevance" and ev.tiers is None:
            best = np.flatnonzero(ev.mask if ev.loose is None else ev.mask & (ev.loose < 0))
            scores = rerank(snap, scores, best)
        if req.recency and scores is not None:
            scores = apply_recency(snap, scores, req.recency)
        docs = np.flatnonzero(ev.mask)
        groups = ev.tiers if ev.tiers is not None else (
            (ev.loose >= 0).astype(np.int8) if ev.loose is not None else None)

        def rank_first(k: int) -> list[int]:
            return rank(snap, docs, scores, req.sort, k, groups)

        if req.fold:
            page = fold_page(snap, ev.mask, rank_first, req.offset, req.per_page)
        else:
            page = [Story(d, snap.article(d))
                    for d in rank_first(req.offset + req.per_page)[req.offset:]]
        exact, folded, weak = plan.mark_terms()
        whole, alone = whole_words(snap, plan) if page else ((), frozenset())
        hits = []
        for st in page:
            a = st.article
            body = "\n".join([a.lead, *a.captions, *a.body])
            # Words found whole are marked whole; a scattered match marks its syllables.
            tier = int(ev.tiers[st.docnum]) if ev.tiers is not None else ev.tier
            w = whole if tier <= WHOLE else ()
            hits.append(Hit(
                article=a, tier=hit_tier(ev, st.docnum),
                related=ev.loose is not None and bool(ev.loose[st.docnum] >= 0),
                score=round(float(scores[st.docnum]), 4) if scores is not None else 0.0,
                title_html=highlight.mark_text(a.title, exact, folded, w, alone),
                snippets=highlight.snippets(body, exact, folded, req.fragment_chars,
                                            req.max_fragments, weak, w, alone)
                if req.snippets else [],
                similar=st.copies,
            ))
        sugg = Suggestions()
        if req.suggest:
            # The query's own syllables (the units may have dropped some of a long query's).
            syls = plan.syllables or [s for u in plan.units for s in u.alternatives[0].syls]
            slips = {typed: guesses[0] for typed, guesses in plan.slips}
            sugg = suggestions(snap, syls, plan.accented, len(docs), hits, ev.relaxed,
                               len(plan.units), slips)
        return SearchResult(
            query=req.query, total=len(docs), page=req.page, per_page=req.per_page, hits=hits,
            facets=count_facets(snap.columns, snap.n, docs, req.facets), suggestions=sugg,
            relaxed=ev.relaxed, tier=TIER_NAMES[ev.tier], match=req.match,
            corrected_query=corrected, elapsed_ms=round((time.perf_counter() - t0) * 1000, 3),
            index_version=snap.version,
        )

    def article(self, article_id: str) -> Article | None:
        snap = self.snapshot()
        docnum = snap.docnum(article_id)
        return None if docnum is None else snap.article(docnum)

    def suggest(self, prefix: str, limit: int = 8) -> list[Completion]:
        """Completions for a search box (see ``autocomplete``)."""
        return complete(self.snapshot(), prefix, limit)

    def suggest_articles(self, completions: list[Completion], k: int = 3) -> list[Article]:
        """The articles that best match the first completion: the search box's second group,
        for a reader who wants one article rather than a results page."""
        if not completions or k < 1:
            return []
        res = self.search(completions[0].text, per_page=k, facets=False, snippets=False,
                          suggest=False)
        return [h.article for h in res.hits]

    def stats(self) -> IndexStats:
        snap = self.snapshot()
        col = snap.columns
        pub = col.published[snap.live & (col.published >= 0)]
        span = None
        if len(pub):
            span = [from_whoosh_dt(int(pub.min())).date().isoformat(),
                    from_whoosh_dt(int(pub.max())).date().isoformat()]
        sources = np.bincount(col.src_ids[snap.live & (col.src_ids >= 0)],
                              minlength=len(col.src_labels))
        size = sum(p.stat().st_size for p in snap.build.path.rglob("*") if p.is_file())
        return IndexStats(
            articles=snap.doc_count, published_span=span,
            sources={col.src_labels[i]: int(c) for i, c in enumerate(sources) if c},
            index_bytes=size, index_version=snap.version, build=snap.build.name,
        )
