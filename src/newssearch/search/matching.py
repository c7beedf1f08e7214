"""Which documents a plan matches: filters, exclusions, AND first, partial matches last.

Evaluation is AND-first over sorted docnum arrays: the rarest required unit gives the
candidates, every other required unit filters them (binary search in its postings), and only
the survivors are scored. Work grows with the candidates, not with the corpus.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ..analysis import fold
from ..querylang import Filters, ParsedQuery
from ..schema import facet_key
from .columns import to_whoosh_dt
from .phrases import phrase_among, phrase_docs
from .plan import FIELDS, Alt, Phrase, QueryPlan, Unit
from .scoring import Scorer
from .snapshot import Snapshot


@dataclass
class Evaluation:
    scores: np.ndarray | None  # float32 per docnum (None: nothing to score, e.g. browsing)
    mask: np.ndarray  # bool per docnum: the documents found
    relaxed: bool  # no document had every word: partial matches


class Matcher:
    def __init__(self, snap: Snapshot, plan: QueryPlan):
        self.snap = snap
        self.plan = plan
        for u in plan.units:
            u.df = min(self.alt_df(a) for a in u.alternatives)
        limit = snap.config.max_units
        if len(plan.units) > limit:  # bounded work: only the rarest units take part
            keep = set(map(id, sorted(plan.units, key=lambda u: (u.stop, u.df))[:limit]))
            plan.units = [u for u in plan.units if id(u) in keep]

    def alt_df(self, alt: Alt) -> int:
        dfs = []
        for s in alt.syls:
            best = 0
            for part in alt.parts:
                p = self.snap.postings(FIELDS[part][1], fold(s))
                if p:
                    best = max(best, len(p.docs))
            dfs.append(best)
        return min(dfs) if dfs else 0

    def has(self, fieldnames: Iterable[str], term: str, cand: np.ndarray) -> np.ndarray:
        """Which candidates hold ``term`` in any of ``fieldnames``."""
        out = np.zeros(len(cand), dtype=bool)
        for f in fieldnames:
            p = self.snap.postings(f, term)
            if p is not None:
                out |= p.locate(cand)[1]
        return out

    def alt_matches(self, alt: Alt, cand: np.ndarray,
                    syllables_found: np.ndarray | None = None) -> np.ndarray:
        """Where an alternative matches; ``syllables_found`` saves the syllable lookups when
        the caller already knows where all its syllables are."""
        fields = [FIELDS[p][1] for p in alt.parts]
        if syllables_found is not None:
            m = syllables_found.copy()
        else:
            m = np.ones(len(cand), dtype=bool)
            for s in alt.syls:
                m &= self.has(fields, fold(s), cand)
        for w in alt.words:
            m &= self.has(fields, fold(w), cand)
        if alt.phrase:
            ph = Phrase(alt.syls, alt.parts, self.plan.accented)
            m &= phrase_among(self.snap, *ph.terms(), cand)
        return m

    def unit_matches(self, u: Unit, cand: np.ndarray) -> np.ndarray:
        m = np.zeros(len(cand), dtype=bool)
        for alt in u.alternatives:
            m |= self.alt_matches(alt, cand)
        return m

    def unit_docs(self, u: Unit) -> np.ndarray:
        """Sorted docnums where a unit matches (folded forms, any of its parts).

        Built on a dense mask: scattering postings is linear, where merging sorted lists of
        common syllables with np.unique would sort tens of thousands of docnums.
        """
        n = self.snap.n
        unit = np.zeros(n, dtype=bool)
        for alt in u.alternatives:
            match = None
            for term in [*(fold(s) for s in alt.syls), *(fold(w) for w in alt.words)]:
                here = np.zeros(n, dtype=bool)
                for f in (FIELDS[p][1] for p in alt.parts):
                    p = self.snap.postings(f, term)
                    if p is not None:
                        here[p.docs] = True
                match = here if match is None else (match & here)
            if match is None:
                continue
            if alt.phrase:
                match &= self.phrase_mask(Phrase(alt.syls, alt.parts, self.plan.accented))
            unit |= match
        return np.flatnonzero(unit).astype(np.int32)  # the postings' dtype (see locate)

    def any_unit_docs(self, base: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Docs matching any unit (sorted), and how many units each matches."""
        count = np.zeros(self.snap.n, dtype=np.int16)
        for u in self.plan.units:
            count[self.unit_docs(u)] += 1
        docs = np.flatnonzero((count > 0) & base).astype(np.int32)
        return docs, count[docs]

    def phrase_mask(self, ph: Phrase) -> np.ndarray:
        out = np.zeros(self.snap.n, dtype=bool)
        out[phrase_docs(self.snap, *ph.terms())] = True
        return out

    def apply_exclusions(self, mask: np.ndarray) -> None:
        for ph in self.plan.exclusions:
            if len(ph.syls) > 1:
                mask &= ~self.phrase_mask(ph)
                continue
            s = ph.syls[0]
            for part in ph.parts:
                ef, ff = FIELDS[part]
                p = self.snap.postings(ef, s) if ph.accented else self.snap.postings(ff, fold(s))
                if p is not None:
                    mask[p.docs] = False

    def apply_filters(self, mask: np.ndarray, flt: Filters) -> None:
        col = self.snap.columns
        for ids, keys, want, avoid in (
            (col.cat_ids, col.cat_keys, flt.categories, flt.not_categories),
            (col.src_ids, col.src_keys, flt.sources, flt.not_sources),
        ):
            if want:
                mask &= np.isin(ids, [keys.get(facet_key(v), -2) for v in want])
            if avoid:
                mask &= ~np.isin(ids, [keys.get(facet_key(v), -2) for v in avoid])
        for tag in flt.tags:
            t = np.zeros(self.snap.n, dtype=bool)
            t[self.tag_docs(tag)] = True
            mask &= t
        for tag in flt.not_tags:
            mask[self.tag_docs(tag)] = False
        if flt.date_from or flt.date_to:
            pub = col.published
            ok = pub >= 0
            if flt.date_from:
                ok &= pub >= to_whoosh_dt(flt.date_from)
            if flt.date_to:
                ok &= pub < to_whoosh_dt(flt.date_to, next_day=True)
            mask &= ok

    def tag_docs(self, tag: str) -> np.ndarray:
        btext = facet_key(tag).encode("utf-8")
        out = [np.zeros(0, dtype=np.int64)]
        for seg, off in self.snap.leaves:
            if ("tags", btext) in seg:
                out.append(np.fromiter(seg.postings("tags", btext).all_ids(), dtype=np.int64) + off)
        return np.concatenate(out)


def evaluate(snap: Snapshot, pq: ParsedQuery, plan: QueryPlan, flt: Filters) -> Evaluation:
    """Scores and the mask of documents found; partial matches only when none has every word."""
    m = Matcher(snap, plan)
    n = snap.n
    base = snap.live.copy()
    m.apply_filters(base, flt)
    m.apply_exclusions(base)
    if not plan.units:
        if pq.clauses and not pq.positive:
            return Evaluation(None, base, False)  # only exclusions: everything else matches
        if pq.clauses:
            return Evaluation(None, np.zeros(n, dtype=bool), False)
        return Evaluation(None, base, False)  # filters only (or empty): browse
    # Stopwords are not required, unless the query is nothing but stopwords (a reader
    # typing "lại phải vượt khó" wants all four).
    required = sorted([u for u in plan.units if not u.stop] or plan.units, key=lambda u: u.df)
    cand = m.unit_docs(required[0])
    cand = cand[base[cand]]
    for u in required[1:]:
        if len(cand) == 0:
            break
        cand = cand[m.unit_matches(u, cand)]
    for ph in plan.phrases:
        cand = cand[phrase_among(snap, *ph.terms(), cand)]
    relaxed = False
    scored = cand
    if len(cand) == 0 and not plan.phrases:
        relaxed = True
        cand, matched = m.any_unit_docs(base)
        scored = cand
        if len(cand) > snap.config.relaxed_score_max:
            # Bounded work: only the documents matching the most units are scored; the
            # rest still count in the total and facets. (Ties: the lower docnum.)
            keep = np.lexsort((cand, -matched))[: snap.config.relaxed_score_max]
            scored = cand[np.sort(keep)]
    scores = Scorer(snap, plan, m.alt_matches).score(scored, relaxed)
    total = np.zeros(n, dtype=np.float32)
    total[scored] = scores
    mask = np.zeros(n, dtype=bool)
    mask[cand] = True
    return Evaluation(total, mask, relaxed)
