"""One results list: the best tier, then the looser matches that are still on the topic.

Why: a query of several concepts often has few articles holding every word whole (``mưa lớn
gây ngập đường phố TP.HCM``: 3), while many more are about the same thing and lack one word.
Listing only the best tier ends the page there; listing every partial match buries the page
in articles that share a word and nothing else (``phong tho`` -> ``phòng ... thơ``).

The test, for a document outside the best tier, combines its *coverage* of the query's
concepts (a word of the query, held where it stands whole or a variant of it does, or a
syllable outside the words, held with its accents as typed when the query has accents;
optional words left out; idf-weighted) and, when the build has topic vectors, its *cosine*
with the centroid of the best tier's first articles (closeness in topic, not only in words):
coverage >= ``loose_min_coverage``, cosine >= ``loose_min_cosine`` and their sum >=
``loose_closeness``, so an article very close in topic needs fewer of the words. Without
vectors: coverage >= ``loose_coverage`` and at most one concept in ``loose_miss_per`` missed.
The thresholds come from the blind grades of the articles outside the best tier
(docs/relevance.md#issue-20); see docs/search.md#topical.

Only when the best tier holds fewer than ``loose_below`` documents (bounded work; a large
best tier already fills the pages) and the query has at most ``loose_max_units`` units that
are no stopwords (a topic is a few words; a pasted headline names one article, and widening
it would cost a known-item search 50 % more time). Listed after the best tier, each hit with
its own tier.
"""

from __future__ import annotations

import math

import numpy as np

from newssearch.index.snapshot import Snapshot
from newssearch.search.matching import (
    FIELDS,
    PARTIAL,
    Evaluation,
    Matcher,
    variants_found,
    word_here,
)
from newssearch.search.plan import Alt, QueryPlan
from newssearch.search.scoring import Scorer
from newssearch.search.topicvec import centroid_cosines
from newssearch.text.analysis import fold

WORD_FIELDS = ("title_f", "body_f", "title_sh", "lead_sh")  # where a word's df is read


def widen(snap: Snapshot, plan: QueryPlan, ev: Evaluation) -> Evaluation:
    """``ev`` with the looser matches that pass the topical test added (``ev.loose``)."""
    cfg = snap.config
    if ev.matcher is None or ev.tiers is not None or ev.scores is None or plan.phrases:
        return ev
    best = np.flatnonzero(ev.mask)
    if not len(best) or len(best) >= cfg.loose_below:
        return ev
    if sum(not u.stop for u in plan.units) > cfg.loose_max_units:
        return ev  # a pasted headline or sentence: its best tier is the article it names
    m: Matcher = ev.matcher
    cand = likely(snap, m, plan, ev.base & ~ev.mask)
    if not len(cand):
        return ev
    cov, missing, n_concepts = coverage(snap, m, plan, cand)
    cos = centroid_cosines(snap, best, ev.scores[best], cand, cfg.centroid_k)
    if cos is None:  # words alone: most of the concepts, missing few
        keep = (cov >= cfg.loose_coverage) & (missing <= max(1, n_concepts // cfg.loose_miss_per))
    else:  # closer in topic, fewer of the words needed
        keep = ((cov >= cfg.loose_min_coverage) & (cos >= cfg.loose_min_cosine)
                & (cov + cos >= cfg.loose_closeness))
    cand, cov = cand[keep], cov[keep]
    if not len(cand):
        return ev
    scores = Scorer(snap, plan, m.alt_matches).score(cand, False) * cov.astype(np.float32)
    loose = np.full(snap.n, -1, dtype=np.int8)
    loose[cand] = PARTIAL
    if ev.full is not None and ev.full_tiers is not None and len(ev.full):
        # Documents holding every required unit, but in a lower tier than the best.
        there = np.isin(ev.full, cand)
        loose[ev.full[there]] = ev.full_tiers[there]
    total = ev.scores.copy()
    total[cand] = scores
    mask = ev.mask.copy()
    mask[cand] = True
    return Evaluation(total, mask, ev.tier, None, base=ev.base, matcher=m, loose=loose)


def likely(snap: Snapshot, m: Matcher, plan: QueryPlan, allowed: np.ndarray) -> np.ndarray:
    """The candidates worth the coverage test (sorted docnums), from one dense pass over the
    units' postings: their idf-weighted share of the query's units (syllables, without
    wholeness) must reach ``loose_min_coverage``, and only the ``loose_candidates`` best are
    kept (bounded work: a long query's units are in most of the corpus)."""
    cfg = snap.config
    units = [u for u in plan.units if not u.optional] or plan.units
    n = max(snap.doc_count, 1)
    share = np.zeros(snap.n, dtype=np.float32)
    total = 0.0
    for u in units:
        w = math.log(1 + n / (u.df + 1)) * (cfg.stopword_weight if u.stop else 1.0)
        share[m.unit_docs(u)] += np.float32(w)
        total += w
    share[~allowed] = 0
    cand = np.flatnonzero(share >= np.float32(cfg.loose_min_coverage * total))
    if len(cand) > cfg.loose_candidates:
        cand = np.sort(cand[np.argsort(-share[cand], kind="stable")[: cfg.loose_candidates]])
    return cand.astype(np.int32)


def coverage(snap: Snapshot, m: Matcher, plan: QueryPlan,
             cand: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Share of the query's concepts each candidate holds (idf-weighted), how many of them it
    misses, and how many there are.

    A concept is a word of the query (held only where it stands whole with all its
    syllables, or a variant of it stands; weighted by the word's document frequency) or a
    unit outside its words (held with its accents as typed, for an accented query); optional
    words are left out, and a concept of stopwords only weighs ``stopword_weight``."""
    units = [u for u in plan.units if not u.optional] or plan.units
    typed = {pos: (syl, parts) for syl, parts, pos in plan.exact}
    found_as = variants_found(m, cand)
    held = np.zeros((len(units), len(cand)), dtype=bool)
    dfs = []
    for k, u in enumerate(units):
        held[k] = m.unit_matches(u, cand)
        df = max(unit_df(snap, m, a) for a in u.alternatives)
        for pos in range(u.start, u.end):
            if pos in typed:
                syl, parts = typed[pos]
                exact = [FIELDS[p][0] for p in parts]
                there = m.has(exact, syl, cand)
                for (start, end), variant in found_as:
                    if start <= pos < end:
                        there |= variant
                held[k] &= there
                if len(u.alternatives) == 1:
                    df = min(df, snap.df(exact, syl))
        dfs.append(df)
    concept = list(range(len(units)))  # unit -> its concept (the first unit of its word)
    for sp in m.whole_words():
        inside = [k for k, u in enumerate(units)
                  if u.start >= 0 and sp.start < u.end and u.start < sp.end]
        if not inside:
            continue
        whole = word_here(m, sp, cand, found_as)
        whole &= np.logical_and.reduce(held[inside], axis=0)  # the word is one concept
        first = concept[inside[0]]
        # Its df: the word's, or a variant unit's inside it (the variants are held too).
        df = snap.df(WORD_FIELDS, sp.folded) or min(dfs[k] for k in inside)
        for k in inside:
            if any(a.variant for a in units[k].alternatives):
                df = max(df, dfs[k])
            held[k] = whole
            concept[k] = first
        dfs[first] = df
    firsts = sorted(set(concept))
    n = max(snap.doc_count, 1)
    # A concept of stopwords only (giảm mạnh) weighs as stopwords score.
    light = {k: all(units[j].stop for j in range(len(units)) if concept[j] == k)
             for k in firsts}
    weights = np.array([math.log(1 + n / (dfs[k] + 1))
                        * (snap.config.stopword_weight if light[k] else 1.0) for k in firsts],
                       dtype=np.float32)
    got = held[firsts].astype(np.float32)
    cov = (weights @ got) / (float(weights.sum()) or 1.0)
    return cov, len(firsts) - got.sum(axis=0), len(firsts)


def unit_df(snap: Snapshot, m: Matcher, alt: Alt) -> int:
    """Document frequency of one way a unit matches: its pyvi word when it is one, else its
    rarest syllable (an upper bound of its phrase's)."""
    if len(alt.words) == 1 and len(alt.syls) > 1:
        return snap.df(WORD_FIELDS, fold(alt.words[0]))
    return m.alt_df(alt)
