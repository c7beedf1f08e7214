"""BM25F scoring of candidates, recency, and the final order.

Scores are BM25F over title > lead > body. An accented query scores exact-accent fields at
full weight and folded fields at ``folded_weight_accented``, so exact matches rank first; an
accent-free query scores folded fields at full weight. Whole pyvi words and adjacent pairs of
the query add bonuses scored the same way, so every part of a score is on one scale.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from newssearch.index.columns import decay
from newssearch.index.schema import SHINGLE_PARTS
from newssearch.index.snapshot import Snapshot
from newssearch.search.plan import FIELDS, Alt, QueryPlan, Unit
from newssearch.text.analysis import fold

HEAD_PARTS = ("title", "lead")
AltMatches = Callable[[Alt, np.ndarray, np.ndarray], np.ndarray]


class Scorer:
    """Scores one plan; ``alt_matches`` says where an alternative matches given where its
    syllables are (matching's job: word, phrase and adjacency conditions)."""

    def __init__(self, snap: Snapshot, plan: QueryPlan, alt_matches: AltMatches):
        self.snap = snap
        self.plan = plan
        self.cfg = snap.config
        self.alt_matches = alt_matches

    def score(self, cand: np.ndarray, relaxed: bool) -> np.ndarray:
        """float32 scores of the sorted candidates."""
        scores = self.bonus(cand)
        count = np.zeros(len(cand), dtype=np.float32)
        for u in self.plan.units:
            us, um = self.unit_score(u, cand)
            weight = (self.cfg.optional_weight if u.optional
                      else self.cfg.stopword_weight if u.stop else 1.0)
            scores += us * np.float32(weight)
            count += um
        if relaxed:
            # Coordination: documents matching more of the query come first.
            scores *= ((count + 1) / (len(self.plan.units) + 1)) ** 2
        if self.cfg.head_weight > 0:
            scores *= 1 + np.float32(self.cfg.head_weight) * self.head_share(cand)
        return scores

    def head_share(self, cand: np.ndarray) -> np.ndarray:
        """The idf-weighted share of the query's units (optional words left out, stopwords
        light) that the title or lead holds (any form): an article is about what its head
        says; the words of a topic scattered in a long body are a weaker sign."""
        units = [u for u in self.plan.units if not u.optional] or self.plan.units
        n = max(self.snap.doc_count, 1)
        got = np.zeros(len(cand), dtype=np.float32)
        total = 0.0
        for u in units:
            w = math.log(1 + n / (u.df + 1)) * (self.cfg.stopword_weight if u.stop else 1.0)
            here = np.zeros(len(cand), dtype=bool)
            for alt in u.alternatives:
                fields = [f for f, p in zip(alt.fields(), alt.parts) if p in HEAD_PARTS]
                there = np.ones(len(cand), dtype=bool)
                for syl in alt.syls:
                    p_here = np.zeros(len(cand), dtype=bool)
                    for f in fields:
                        p = self.snap.postings(f, alt.term(syl))
                        if p is not None:
                            p_here |= p.contains(cand)
                    there &= p_here
                here |= there
            got += np.float32(w) * here
            total += w
        return got / np.float32(total or 1.0)

    def bm25f(self, fields: list[str], parts: tuple[str, ...], term: str,
              cand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """BM25F of ``term`` over ``fields`` for each candidate, and where it is present.

        Length-normalized term frequencies are weighted by part and summed before the one
        saturation, so a word in the title and the body is not counted as two words. The
        document frequency is the largest of the fields' (as Lucene's CombinedFieldQuery).
        """
        tf = np.zeros(len(cand), dtype=np.float32)
        here = np.zeros(len(cand), dtype=bool)
        idf = None
        for f, part in zip(fields, parts):
            p = self.snap.postings(f, term)
            if p is None or len(cand) == 0:
                continue
            w, there = p.weights(cand)
            tf += w * np.float32(self.cfg.boost(part))
            here |= there
            idf = p.idf if idf is None else min(idf, p.idf)
        if idf is None:
            return tf, here
        k1 = np.float32(self.cfg.k1)
        return np.float32(idf * (self.cfg.k1 + 1)) * tf / (tf + k1), here

    def unit_score(self, u: Unit, cand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Score of a unit on the candidates (best alternative) and where it matched."""
        best = np.zeros(len(cand), dtype=np.float32)
        matched = np.zeros(len(cand), dtype=bool)
        accented = self.plan.accented
        fold_w = np.float32(self.cfg.folded_weight_accented if accented else 1.0)
        for alt in u.alternatives:
            score = np.zeros(len(cand), dtype=np.float32)
            found = np.ones(len(cand), dtype=bool)  # every syllable in some (folded) field
            for s in alt.syls:
                if alt.accents:  # a variant, as the table writes it
                    g, here = self.bm25f(list(alt.fields()), alt.parts, s, cand)
                    score += g * np.float32(1 + fold_w if accented else 1)
                    found &= here
                    continue
                g, here = self.bm25f([FIELDS[p][1] for p in alt.parts], alt.parts, fold(s), cand)
                score += g * fold_w
                found &= here
                if accented:
                    score += self.bm25f([FIELDS[p][0] for p in alt.parts], alt.parts, s, cand)[0]
            m = self.alt_matches(alt, cand, found)
            weight = alt.weight * (self.cfg.synonym_weight if alt.variant else 1.0)
            if weight != 1.0:
                score *= np.float32(weight)
            np.maximum(best, np.where(m, score, 0), out=best)
            matched |= m
        return best, matched

    def bonus(self, cand: np.ndarray) -> np.ndarray:
        """Whole pyvi words and adjacent pairs of the query, each scored by BM25F over the
        parts like a syllable."""
        out = np.zeros(len(cand), dtype=np.float32)
        accented = self.plan.accented
        for w in self.plan.words:
            # Whole words score in one form: exact for an accented query, else folded.
            fields = [FIELDS[p][0 if accented else 1] for p in w.parts]
            out += np.float32(self.cfg.word_bonus) * self.bm25f(
                fields, w.parts, w.exact if accented else w.folded, cand)[0]
        for pair, parts in self.plan.shingles:
            sh = tuple(p for p in parts if p in SHINGLE_PARTS)
            if sh:
                out += np.float32(self.cfg.shingle_weight) * self.bm25f(
                    [p + "_sh" for p in sh], sh, pair, cand)[0]
        return out


def apply_recency(snap: Snapshot, scores: np.ndarray, weight: float) -> np.ndarray:
    pub = snap.columns.published
    dated = pub >= 0
    if not dated.any():
        return scores
    newest = pub[dated & snap.live].max() if (dated & snap.live).any() else pub[dated].max()
    boost = decay(np.minimum(pub, newest), newest, snap.config.recency_half_life_days)
    return scores * (1 + weight * boost).astype(np.float32)


def rank(snap: Snapshot, docs: np.ndarray, scores: np.ndarray | None, sort: str,
         k: int, groups: np.ndarray | None = None) -> list[int]:
    """The first ``k`` docnums in the requested order (ties: lower docnum first); when
    ``groups`` (per docnum: a tier, or 1 for the looser matches) is given, lower groups
    first in either order."""
    if len(docs) == 0 or k <= 0:
        return []
    if groups is not None and sort == "relevance" and scores is not None:
        order = np.lexsort((docs, -scores[docs], groups[docs]))
        return [int(docs[i]) for i in order[:k]]
    published = snap.columns.published
    if sort == "newest" or scores is None:
        pub = published[docs] if len(published) else np.zeros(len(docs))
        sc = scores[docs] if scores is not None else np.zeros(len(docs))
        keys = (docs, -sc, -pub) if sort == "newest" else (docs, -pub)
        if groups is not None:
            keys = (*keys, groups[docs])
        order = np.lexsort(keys)
        return [int(docs[i]) for i in order[:k]]
    sc = scores[docs]
    part = np.argpartition(-sc, k - 1)[:k] if len(docs) > k else np.arange(len(docs))
    order = part[np.lexsort((docs[part], -sc[part]))]
    return [int(docs[i]) for i in order]
