"""Which documents a plan matches: filters, exclusions, AND first, partial matches last.

Evaluation is AND-first over sorted docnum arrays: the rarest required unit gives the
candidates, every other required unit filters them (binary search in its postings), and only
the survivors are scored. Work grows with the candidates, not with the corpus.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from newssearch.index.columns import to_whoosh_dt
from newssearch.index.schema import SHINGLE_PARTS, facet_key
from newssearch.index.snapshot import Snapshot
from newssearch.search.phrases import phrase_among, phrase_docs
from newssearch.search.plan import FIELDS, Alt, Phrase, QueryPlan, Span, Unit
from newssearch.search.querylang import Filters, ParsedQuery
from newssearch.search.scoring import Scorer
from newssearch.text.analysis import fold

# Match tiers, best first. A search shows the best tier that has results, whatever the sort
# order, so a word found whole somewhere never lists its scattered matches too:
EXACT = 0  # every word whole (its syllables adjacent), typed accents as typed
WHOLE = 1  # every word whole, accents folded (Phong Thơ for Phong Thổ)
ALL = 2  # every syllable somewhere (bóng ... đá)
PARTIAL = 3  # some syllables: only when no document has them all, or on request
TIER_NAMES = ("exact", "whole", "all", "partial")
# An adjacent pair of the query counts as one word when the corpus holds it as one (a pyvi word,
# or side by side in titles and leads) in at least this share of the documents holding its
# rarer syllable (ket xe -> kẹt xe, not the chance "nam_ha" of "viet nam ha noi");
# overlapping pairs: the more frequent word wins.
CORPUS_WORD_SHARE = 0.001
CORPUS_WORD_MIN_DF = 1
POSITIONS_MAX = 10  # candidates whose word adjacency is read from positions (bounded work)
POSITION_PARTS = ("title", "lead")  # where positions are read: short fields, and where a
# query copied from a headline crosses its punctuation


@dataclass
class Evaluation:
    scores: np.ndarray | None  # float32 per docnum (None: nothing to score, e.g. browsing)
    mask: np.ndarray  # bool per docnum: the documents found
    tier: int  # the best tier found (EXACT..PARTIAL); with match=any, of the best document
    tiers: np.ndarray | None = None  # int8 per docnum, with match=any (ranks tiers first)
    base: np.ndarray | None = None  # bool per docnum: what the filters and exclusions allow
    matcher: Matcher | None = None
    full: np.ndarray | None = None  # docnums holding every required unit, and their tiers
    full_tiers: np.ndarray | None = None
    loose: np.ndarray | None = None  # int8 per docnum: the tier of a looser match listed
    # after the best tier (search/loose.py), -1 elsewhere

    @property
    def relaxed(self) -> bool:
        """Partial matches shown: no document had every word, or the reader asked for them."""
        return self.tier == PARTIAL or self.tiers is not None


class Matcher:
    def __init__(self, snap: Snapshot, plan: QueryPlan):
        self.snap = snap
        self.plan = plan
        for u in plan.units:
            # The rarest form; with guessed alternatives, the union's size (its cost).
            dfs = [self.alt_df(a) for a in u.alternatives]
            guessed = any(a.weight < 1 or a.variant for a in u.alternatives)
            u.df = max(dfs) if guessed else min(dfs)
        limit = snap.config.max_units
        if len(plan.units) > limit:  # bounded work: only the rarest units take part
            keep = set(map(id, sorted(plan.units, key=lambda u: (u.stop, u.df))[:limit]))
            plan.units = [u for u in plan.units if id(u) in keep]

    def whole_words(self) -> list[Span]:
        """The query's words that must stand whole: its pyvi words and composites, then the
        adjacent pairs the corpus holds as words (pyvi words, or pairs titles and leads print
        side by side), most frequent first, none overlapping."""
        words, pairs = ("title_f", "body_f"), ("title_sh", "lead_sh")
        scored = []
        for sp in self.plan.spans:
            if sp.pyvi:
                scored.append((float("inf"), sp))
                continue
            a, b = sp.syls
            df = self.snap.df((*words, *pairs), sp.folded)
            rarer = min(self.snap.df(words, a), self.snap.df(words, b))
            if df >= max(CORPUS_WORD_MIN_DF, CORPUS_WORD_SHARE * rarer):
                scored.append((df, sp))
        chosen: list = []
        taken: set[int] = set()
        for _, sp in sorted(scored, key=lambda x: (-x[0], x[1].start)):
            cover = set(range(sp.start, sp.end))
            if not cover & taken:
                chosen.append(sp)
                taken |= cover
        return chosen

    def tier_of(self, cand: np.ndarray, scores: np.ndarray) -> np.ndarray:
        """EXACT, WHOLE or ALL for each candidate (all of which hold every required unit).

        A word is whole where the index holds it as one term (a pyvi word, a composite) or
        titles and leads print its pairs side by side (shingles); for the few candidates
        where neither says so, positions decide (punctuation between is allowed: a reader
        types "da giam can" for "da, giảm cân") in titles and leads, for the best scored of
        them (bounded work).
        """
        whole = np.ones(len(cand), dtype=bool)
        found_as = variants_found(self, cand)
        for sp in self.whole_words():
            here = word_here(self, sp, cand, found_as)
            unsure = np.flatnonzero(whole & ~here)
            short = tuple(FIELDS[p][1] for p in sp.parts if p in POSITION_PARTS)
            if len(unsure) and short:
                unsure = np.sort(unsure[np.argsort(-scores[unsure], kind="stable")[:POSITIONS_MAX]])
                here[unsure] = phrase_among(self.snap, short, sp.syls, cand[unsure])
            whole &= here
        exact = whole.copy()
        for syl, parts, pos in self.plan.exact:
            there = self.has([FIELDS[p][0] for p in parts], syl, cand)
            for (start, end), variant in found_as:
                if start <= pos < end:
                    there |= variant
            exact &= there
        return np.where(exact, EXACT, np.where(whole, WHOLE, ALL)).astype(np.int8)

    def alt_df(self, alt: Alt) -> int:
        return min((self.snap.df(alt.fields(), alt.term(s)) for s in alt.syls), default=0)

    def has(self, fieldnames: Iterable[str], term: str, cand: np.ndarray) -> np.ndarray:
        """Which candidates hold ``term`` in any of ``fieldnames``."""
        out = np.zeros(len(cand), dtype=bool)
        for f in fieldnames:
            p = self.snap.postings(f, term)
            if p is not None:
                out |= p.contains(cand)
        return out

    def alt_matches(self, alt: Alt, cand: np.ndarray,
                    syllables_found: np.ndarray | None = None) -> np.ndarray:
        """Where an alternative matches; ``syllables_found`` saves the syllable lookups when
        the caller already knows where all its syllables are."""
        fields = alt.fields()
        if syllables_found is not None:
            m = syllables_found.copy()
        else:
            m = np.ones(len(cand), dtype=bool)
            for s in alt.syls:
                m &= self.has(fields, alt.term(s), cand)
        for w in alt.words:
            m &= self.has(fields, alt.term(w), cand)
        if alt.phrase:
            ph = Phrase(alt.syls, alt.parts, self.plan.accented or alt.accents)
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
            for term in [*map(alt.term, alt.syls), *map(alt.term, alt.words)]:
                here = np.zeros(n, dtype=bool)
                for f in alt.fields():
                    p = self.snap.postings(f, term)
                    if p is not None:
                        p.mark(here, True)
                match = here if match is None else (match & here)
            if match is None:
                continue
            if alt.phrase:
                match &= self.phrase_mask(Phrase(alt.syls, alt.parts,
                                                 self.plan.accented or alt.accents))
            unit |= match
        return np.flatnonzero(unit).astype(np.int32)  # the postings' dtype (see Postings.weights)

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
                    p.mark(mask, False)

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
        btext = facet_key(tag).encode("utf-8", "surrogatepass")  # (no such tag is indexed)
        out = [np.zeros(0, dtype=np.int64)]
        for seg, off in self.snap.leaves:
            if ("tags", btext) in seg:
                out.append(np.fromiter(seg.postings("tags", btext).all_ids(), dtype=np.int64) + off)
        return np.concatenate(out)


def variants_found(m: Matcher, cand: np.ndarray) -> list[tuple[tuple[int, int], np.ndarray]]:
    """Per unit with variants, the query positions it stands for and which candidates
    hold one of its variants (whole): there, the words typed need not be found."""
    out = []
    for u in m.plan.units:
        if any(a.variant for a in u.alternatives):
            there = np.zeros(len(cand), dtype=bool)
            for alt in u.alternatives:
                if alt.variant:
                    there |= m.alt_matches(alt, cand)
            out.append(((u.start, u.end), there))
    return out


def word_here(m: Matcher, sp: Span, cand: np.ndarray,
              found_as: list[tuple[tuple[int, int], np.ndarray]]) -> np.ndarray:
    """Where a word of the query stands whole, by the index's terms (no positions): as one
    term, its pairs side by side in a title or lead, a variant standing for all of it, or the
    word with a one-syllable variant in its place (giá heo -> giá lợn)."""
    folded = [FIELDS[p][1] for p in sp.parts]
    shingle = [p + "_sh" for p in sp.parts if p in SHINGLE_PARTS]
    here = np.zeros(len(cand), dtype=bool)
    for syls in spellings(m.plan, sp):
        here |= m.has(folded, "_".join(syls), cand)
        if shingle:
            adjacent = np.ones(len(cand), dtype=bool)
            for a, b in itertools.pairwise(syls):
                adjacent &= m.has(shingle, f"{a}_{b}", cand)
            here |= adjacent
    for (start, end), there in found_as:
        if start <= sp.start and sp.end <= end:
            here |= there
    return here


def spellings(plan: QueryPlan, sp: Span) -> list[tuple[str, ...]]:
    """A word's folded syllables, and the same with a one-syllable variant of one of them."""
    out = [sp.syls]
    for u in plan.units:
        if u.end - u.start == 1 and sp.start <= u.start < sp.end:
            k = u.start - sp.start
            out += [sp.syls[:k] + (fold(a.syls[0]),) + sp.syls[k + 1:]
                    for a in u.alternatives if a.variant and len(a.syls) == 1]
    return out


def evaluate(snap: Snapshot, pq: ParsedQuery, plan: QueryPlan, flt: Filters,
             match: str = "all") -> Evaluation:
    """Scores and the mask of the documents found: those of the best tier that has any
    (``match="all"``), or every document matching some syllable, best tiers first (``"any"``).
    """
    m = Matcher(snap, plan)
    n = snap.n
    base = snap.live.copy()
    m.apply_filters(base, flt)
    m.apply_exclusions(base)
    if not plan.units:
        if pq.clauses and not pq.positive:
            return Evaluation(None, base, EXACT)  # only exclusions: everything else matches
        if pq.clauses:
            return Evaluation(None, np.zeros(n, dtype=bool), PARTIAL)
        return Evaluation(None, base, EXACT)  # filters only (or empty): browse
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
    scorer = Scorer(snap, plan, m.alt_matches)
    scores = scorer.score(cand, False)
    tiers = m.tier_of(cand, scores)
    if match == "any" and not plan.phrases:
        return _any(snap, m, plan, base, cand, tiers)
    if len(cand) == 0:
        if plan.phrases:
            return Evaluation(np.zeros(n, dtype=np.float32), np.zeros(n, dtype=bool), ALL)
        return _any(snap, m, plan, base, cand, tiers, relaxed=True)
    tier = int(tiers.min())
    best = tiers == tier
    total = np.zeros(n, dtype=np.float32)
    total[cand[best]] = scores[best]
    mask = np.zeros(n, dtype=bool)
    mask[cand[best]] = True
    return Evaluation(total, mask, tier, base=base, matcher=m, full=cand[~best],
                      full_tiers=tiers[~best])


def _any(snap: Snapshot, m: Matcher, plan: QueryPlan, base: np.ndarray, full: np.ndarray,
         full_tiers: np.ndarray, relaxed: bool = False) -> Evaluation:
    """Every document matching some unit, scored with coordination (more of the query first);
    ``full`` are those holding every required unit, with their tiers."""
    n = snap.n
    cand, matched = m.any_unit_docs(base)
    scored = cand
    if len(cand) > snap.config.relaxed_score_max:
        # Bounded work: only the documents matching the most units are scored; the rest
        # still count in the total and facets. (Ties: the lower docnum.)
        keep = np.lexsort((cand, -matched))[: snap.config.relaxed_score_max]
        scored = cand[np.sort(keep)]
    total = np.zeros(n, dtype=np.float32)
    total[scored] = Scorer(snap, plan, m.alt_matches).score(scored, True)
    mask = np.zeros(n, dtype=bool)
    mask[cand] = True
    if relaxed:
        return Evaluation(total, mask, PARTIAL)
    tiers = np.full(n, PARTIAL, dtype=np.int8)
    tiers[full] = full_tiers
    return Evaluation(total, mask, int(tiers[cand].min()) if len(cand) else PARTIAL, tiers)
