"""Related articles ("Tin liên quan"): one function, ``related(engine, RelatedRequest)``,
used by the API, the article page, the widget and the CLI.

How (more-like-this over the index we have, no second store):

1. *Key terms* of the seed (an indexed article, or a posted title + lead + body): pyvi words
   and syllables, title and lead weighted up, idf-ranked, bounded (``related_terms``).
2. *Content score*: each key term is scored with the search engine's BM25F over title, lead
   and body (``Scorer.bm25f``, the same weights and saturation as search) on the articles
   holding it, weighted by its count in the seed.
3. *Time*: articles dated close to a dated seed get up to ``time_weight`` more (half-life
   ``time_half_life_days``); undated articles (or an undated seed) get nothing and lose
   nothing. *Labels*: a shared category and shared tags multiply by a mild boost, which
   ``boosts=False`` switches off (the coherence measurement does).
4. *Neighbour consensus*: the best ``consensus_pool`` candidates are re-ranked by how well
   the seed's ``consensus_voters`` nearest neighbours, scored with their own key terms, agree
   with them (``related_consensus``). *Topic vectors*: when the index has them, the cosine
   of the seed's LSA vector with each of those candidates is mixed in (``vector_weight``,
   ``related_vectors``).
5. *No copies*: never the seed, never an article of the seed's duplicate cluster (or, for a
   posted text, one that is the same story as the text), and one article per cluster: the
   cluster's representative (earliest dated) when it passes the filters (``duplicates``).

Each result carries a short reason: the key terms it shares (words before syllables), the
tags it shares, and whether the category is the same.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from typing import Any

import numpy as np

from newssearch.errors import QueryError
from newssearch.index.columns import decay, to_whoosh_dt
from newssearch.index.schema import PART_FIELDS, TEXT_PARTS, facet_key
from newssearch.index.snapshot import Snapshot
from newssearch.index.vectors import TopicVectors, mix
from newssearch.model import Article
from newssearch.related.config import DEFAULT_K, MAX_K, MAX_TEXT_CHARS, RelatedConfig
from newssearch.related.consensus import consensus
from newssearch.related.terms import KeyTerm, KeyTerms, article_body
from newssearch.search import SearchEngine
from newssearch.search.duplicates import DuplicateIndex
from newssearch.search.matching import Matcher
from newssearch.search.plan import QueryPlan
from newssearch.search.querylang import Filters
from newssearch.search.scoring import Scorer
from newssearch.text import sources


@dataclass(frozen=True)
class SeedText:
    """An unindexed article: what a partner page posts."""

    title: str
    lead: str = ""
    body: str = ""
    published: datetime | None = None
    category: str | None = None
    tags: tuple[str, ...] = ()
    source: str | None = None

    @classmethod
    def from_article(cls, a: Article) -> SeedText:
        """An article's text as a seed: captions and body, without the byline; its tags are
        the publisher's and the extracted ones."""
        return cls(a.title, a.lead, article_body(a), a.published, a.category,
                   all_tags(a), a.source)


def all_tags(a: Article) -> tuple[str, ...]:
    """The publisher's tags, then the extracted ones (people, places, organisations)."""
    return tuple(dict.fromkeys([*a.tags, *a.extracted_tags]))


@dataclass(frozen=True)
class RelatedRequest:
    """What is asked: one seed (``article_id`` or ``text``), how many, and filters.

    ``same_source``: only the seed's source; ``sources``/``categories``: only these;
    ``date_from``/``date_to``: published in that window (undated articles are then out);
    ``boosts``: the category and tag boosts (on by default). Invalid values raise QueryError.
    """

    article_id: str | None = None
    text: SeedText | None = None
    k: int = DEFAULT_K
    same_source: bool = False
    sources: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    boosts: bool = True

    def __post_init__(self) -> None:
        if (self.article_id is None) == (self.text is None):
            raise QueryError("Give either an article id or a text, not both or neither.")
        if isinstance(self.k, bool) or not isinstance(self.k, int) or not 1 <= self.k <= MAX_K:
            raise QueryError(f"k must be a whole number from 1 to {MAX_K}.")
        if self.text is not None:
            t = self.text
            if not (t.title.strip() or t.lead.strip() or t.body.strip()):
                raise QueryError("The text has no title, lead or body.")
            if len(t.title) + len(t.lead) + len(t.body) > MAX_TEXT_CHARS:
                raise QueryError(f"The text is longer than {MAX_TEXT_CHARS} characters.")


@dataclass(frozen=True)
class Reason:
    terms: tuple[str, ...]  # shared key terms, as written ("biến đổi khí hậu")
    tags: tuple[str, ...]
    same_category: bool

    def text(self) -> str:
        """One short Vietnamese line for readers."""
        bits = []
        if self.terms:
            bits.append("Cùng nói về: " + ", ".join(self.terms))
        if self.tags:
            bits.append("Cùng thẻ: " + ", ".join(self.tags))
        if self.same_category and not bits:
            bits.append("Cùng chuyên mục")
        return " · ".join(bits)


@dataclass
class RelatedItem:
    article: Article
    score: float
    reason: Reason

    def to_dict(self) -> dict[str, Any]:
        a = self.article
        return {"id": a.id, "title": a.title, "url": a.url,
                "published": a.published.isoformat() if a.published else None,
                "source": a.source, "source_name": sources.name(a.source),
                "category": a.category, "score": round(self.score, 4),
                "reason": {"text": self.reason.text(), "terms": list(self.reason.terms),
                           "tags": list(self.reason.tags),
                           "same_category": self.reason.same_category}}


@dataclass
class RelatedResult:
    seed_id: str | None
    items: list[RelatedItem]
    terms: list[str]  # the key terms used, strongest first
    index_version: str
    elapsed_ms: float = 0.0
    excluded: list[str] = field(default_factory=list)  # ids of the seed's copies left out

    def to_dict(self) -> dict[str, Any]:
        return {"seed": self.seed_id, "items": [i.to_dict() for i in self.items],
                "terms": self.terms, "excluded": self.excluded,
                "index_version": self.index_version, "elapsed_ms": self.elapsed_ms}


def related(engine: SearchEngine, req: RelatedRequest,
            config: RelatedConfig | None = None) -> RelatedResult | None:
    """Related articles for ``req``; None when ``req.article_id`` is not in the index."""
    t0 = time.perf_counter()
    snap = engine.snapshot()
    cfg = config or RelatedConfig()
    cache = snap.memo_cache("related", 20_000)
    key = (req, cfg) if req.article_id is not None else None
    if key is not None and key in cache:
        return cache.get(key)
    result = _Related(snap, req, cfg).run()
    if result is not None:
        result.elapsed_ms = round((time.perf_counter() - t0) * 1000, 3)
        if key is not None:
            cache.put(key, result)
    return result


class _Related:
    """One related-articles computation over one snapshot."""

    def __init__(self, snap: Snapshot, req: RelatedRequest, cfg: RelatedConfig):
        self.snap, self.req, self.cfg = snap, req, cfg
        self.matcher = Matcher(snap, QueryPlan())
        self.scorer = Scorer(snap, self.matcher.plan, self.matcher.alt_matches)
        self.dups = DuplicateIndex.of(snap)
        self.keys = KeyTerms(snap, cfg)
        self.fields = [PART_FIELDS[p][0] for p in TEXT_PARTS]

    def seed(self) -> tuple[int | None, SeedText] | None:
        req = self.req
        if req.text is not None:
            return None, req.text
        d = self.snap.docnum(req.article_id) if req.article_id is not None else None
        if d is None or not self.snap.live[d]:
            return None
        return d, SeedText.from_article(self.snap.article(d))

    def run(self) -> RelatedResult | None:
        found = self.seed()
        if found is None:
            return None
        docnum, seed = found
        terms = self.keys.of_text(seed.title, seed.lead, seed.body, docnum is not None)
        scores = self.content_scores(terms)
        excluded = self.copies(docnum, seed)
        base = self.filter_mask(seed)
        base[excluded] = False
        if docnum is not None:
            base[docnum] = False
        scores *= base
        self.apply_time(scores, seed)
        if self.req.boosts:
            self.apply_labels(scores, seed)
        cfg = self.cfg
        scores = consensus(scores, cfg.consensus_pool, cfg.consensus_voters,
                           cfg.consensus_weight, self.dups.cluster_of, self.similarity)
        scores = self.apply_vectors(scores, docnum, seed)
        chosen = self.pick(scores, base)
        items = [RelatedItem(a := self.snap.article(d), float(scores[src]),
                             self.reason(d, a, seed, terms)) for d, src in chosen]
        return RelatedResult(
            seed_id=self.req.article_id, items=items,
            terms=[t.term.replace("_", " ") for t in terms], index_version=self.snap.version,
            excluded=[self.snap.article(int(d)).id for d in excluded if d != docnum])

    # -- content -------------------------------------------------------------------------
    def content_scores(self, terms: list[KeyTerm]) -> np.ndarray:
        """Sum over key terms of (seed weight x BM25F of the term in each article)."""
        scores = np.zeros(self.snap.n, dtype=np.float32)
        holders = self.snap.memo_cache("related_holders", 20_000)
        for t in terms:
            cand = holders.get_or_make(t.term, partial(self.holders, self.fields, t.term))
            scores[cand] += self.term_score(t, cand)
        return scores

    def similarity(self, d: int, cand: np.ndarray) -> np.ndarray:
        """How well indexed article ``d``'s key terms match each of the sorted ``cand``."""
        out = np.zeros(len(cand), dtype=np.float32)
        for t in self.keys.of_doc(d):
            out += self.term_score(t, cand)
        return out

    def term_score(self, t: KeyTerm, cand: np.ndarray) -> np.ndarray:
        s, _ = self.scorer.bm25f(self.fields, TEXT_PARTS, t.term, cand)
        return np.float32(t.weight ** self.cfg.weight_power) * s

    def holders(self, fields: list[str], term: str) -> np.ndarray:
        """Sorted docnums holding ``term`` in any part (a dense mask: no sort of the lists)."""
        lists = [p.docs for f in fields if (p := self.snap.postings(f, term)) is not None]
        if len(lists) == 1:
            return lists[0]
        mask = np.zeros(self.snap.n, dtype=bool)
        for docs in lists:
            mask[docs] = True
        return np.flatnonzero(mask).astype(np.int32)  # the postings' dtype (see locate)

    def apply_vectors(self, scores: np.ndarray, docnum: int | None, seed: SeedText
                      ) -> np.ndarray:
        """Mix the topic vectors' cosine with the seed into the candidates' scores."""
        vectors = TopicVectors.of(self.snap) if self.cfg.vector_weight > 0 else None
        if vectors is None:  # an index fitted without them: the lexical order as before
            return scores
        q = (vectors.of_doc(docnum) if docnum is not None
             else vectors.space.fold(seed.title, seed.lead, seed.body))
        cand = np.flatnonzero(scores > 0)
        return mix(scores, vectors.cosines(q, cand), cand, self.cfg.vector_weight)

    # -- restrictions ----------------------------------------------------------------------
    def filter_mask(self, seed: SeedText) -> np.ndarray:
        req = self.req
        sources = list(req.sources)
        if req.same_source:
            sources.append(seed.source or "\0none")  # a seed without a source matches none
        flt = Filters(sources=sources, categories=list(req.categories),
                      date_from=req.date_from, date_to=req.date_to)
        base = self.snap.live.copy()
        self.matcher.apply_filters(base, flt)
        return base

    def copies(self, docnum: int | None, seed: SeedText) -> np.ndarray:
        """The seed's cluster (indexed seed) or the articles that are the same story as it."""
        if docnum is not None:
            return np.array(self.dups.members(docnum), dtype=np.int64)
        text = f"{seed.lead}\n{seed.body}"
        same = self.dups.matching(seed.title, text)
        return np.array(sorted({m for d in same for m in self.dups.members(d)}), dtype=np.int64)

    # -- time and labels -------------------------------------------------------------------
    def apply_time(self, scores: np.ndarray, seed: SeedText) -> None:
        pub = self.snap.columns.published
        if seed.published is None or not len(pub):
            return
        at = to_whoosh_dt(seed.published.date())
        near = decay(pub, at, self.cfg.time_half_life_days)
        scores *= (1 + self.cfg.time_weight * near).astype(np.float32)

    def apply_labels(self, scores: np.ndarray, seed: SeedText) -> None:
        col = self.snap.columns
        if seed.category:
            cat = col.cat_keys.get(facet_key(seed.category))
            if cat is not None:
                scores[col.cat_ids == cat] *= np.float32(1 + self.cfg.category_boost)
        shared = np.zeros(len(scores), dtype=np.int64)
        common = col.name_counts > max(self.cfg.max_name_share * len(scores),
                                       self.cfg.name_floor)
        for keys, docs, vals, skip in ((col.tag_keys, col.tag_docs, col.tag_vals, None),
                                       (col.name_keys, col.name_docs, col.name_vals, common)):
            ids = [i for t in seed.tags if (i := keys.get(facet_key(t))) is not None
                   and (skip is None or not skip[i])]
            if ids and len(docs):
                shared += np.bincount(docs[np.isin(vals, ids)], minlength=len(scores))
        if shared.any():
            scores *= (1 + self.cfg.tag_boost * np.minimum(shared, 3)).astype(np.float32)

    # -- choice ----------------------------------------------------------------------------
    def pick(self, scores: np.ndarray, base: np.ndarray) -> list[tuple[int, int]]:
        """(shown docnum, scored docnum) of the best, one per duplicate cluster."""
        pool = min(self.cfg.pool, int(np.count_nonzero(scores)))
        if pool == 0:
            return []
        top = np.argpartition(-scores, pool - 1)[:pool]
        top = top[np.lexsort((top, -scores[top]))]
        out: list[tuple[int, int]] = []
        seen: set[int] = set()
        for d in top:
            if scores[d] <= 0:
                break
            rep = self.dups.cluster_of(int(d))
            if rep in seen:
                continue
            seen.add(rep)
            out.append((rep if base[rep] else int(d), int(d)))
            if len(out) == self.req.k:
                break
        return out

    def reason(self, d: int, a: Article, seed: SeedText, terms: list[KeyTerm]) -> Reason:
        cand = np.array([d], dtype=np.int32)
        shared: list[str] = []
        for t in terms:
            if len(shared) == 3:
                break
            if any((p := self.snap.postings(f, t.term)) is not None and p.contains(cand)[0]
                   for f, _ in PART_FIELDS.values()):
                words = t.term.split("_")
                if not any(w in s.split("_") for s in shared for w in words):
                    shared.append(t.term)
        seed_tags = {facet_key(t) for t in seed.tags}
        tags = tuple(t for t in all_tags(a) if facet_key(t) in seed_tags)
        same_cat = bool(seed.category and a.category
                        and facet_key(seed.category) == facet_key(a.category))
        return Reason(tuple(s.replace("_", " ") for s in shared), tags, same_cat)
