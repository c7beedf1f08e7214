"""One slip of the finger: a syllable the corpus lacks, or holds far more rarely than a
syllable one edit away (a letter dropped, added, replaced, or two swapped), also matches its
most frequent neighbours, scored below the syllable as typed.

Neighbours come from the title vocabulary's deletion index (``spelling.Vocabulary``), so a
lookup costs a few dictionary probes, and a query corrects at most a few syllables.
"""

from __future__ import annotations

from functools import partial

from newssearch.index.snapshot import Snapshot
from newssearch.search.plan import Alt, QueryPlan, Word
from newssearch.search.spelling import vocabulary
from newssearch.text.analysis import fold

MAX_SYLLABLES = 3  # corrected per query (bounded work)
MAX_NEIGHBOURS = 3  # alternatives per corrected syllable
MIN_LENGTH = 3  # shorter syllables have too many neighbours to guess from
RARER = 20  # a syllable may be a slip when a neighbour is this many times more frequent ...
RARE_DF = 500  # ... (so only syllables in at most this many documents are looked at)
NEAR_CACHE = 50_000  # typed syllables whose neighbours are remembered per generation
FIELDS = ("title_f", "body_f")


def add_neighbours(snap: Snapshot, plan: QueryPlan) -> list[tuple[str, list[str]]]:
    """Give the plan's likely slips their neighbours as alternatives (weighted by
    ``config.typo_weight``); returns what was corrected, for display."""
    done: list[tuple[str, list[str]]] = []
    weight = snap.config.typo_weight
    for u in plan.units:
        if len(done) >= MAX_SYLLABLES:
            break
        if u.stop or len(u.alternatives) != 1:
            continue
        alt = u.alternatives[0]
        if len(alt.syls) != 1 or alt.phrase:
            continue
        typed = fold(alt.syls[0])
        if len(typed) < MIN_LENGTH or not typed.isalpha():
            continue
        df = snap.df(FIELDS, typed)
        if df > RARE_DF:
            continue
        near = snap.memo_cache("slips", NEAR_CACHE).get_or_make(
            typed, partial(_counted_slips, snap, typed))
        near = [(n, d) for n, d in near if d >= max(2, RARER * df)]
        if not near:
            continue
        # The likeliest first: neighbours the corpus prints beside the query's next or
        # previous syllable (pan chau -> phan châu), then the most frequent.
        context = _context(plan, typed)
        near.sort(key=lambda x: (-_beside(snap, x[0], context), -x[1], x[0]))
        chosen = [n for n, _ in near[:MAX_NEIGHBOURS]]
        u.alternatives += [Alt((n,), alt.parts, weight=weight) for n in chosen]
        _respell_pairs(plan, typed, chosen)
        done.append((alt.syls[0], chosen))
    return done


def _one_slip_away(snap: Snapshot, typed: str) -> set[str]:
    """Title syllables one edit away: a letter dropped, added or replaced (the deletion
    index), or two neighbours swapped (looked up directly)."""
    vocab = vocabulary(snap, "title_f")
    found = vocab.near(typed, 1)
    for i in range(len(typed) - 1):
        swapped = typed[:i] + typed[i + 1] + typed[i] + typed[i + 2:]
        if swapped != typed and snap.postings("title_f", swapped) is not None:
            found.add(swapped)
    found.discard(typed)
    return found


def _counted_slips(snap: Snapshot, typed: str) -> list[tuple[str, int]]:
    return [(n, snap.df(FIELDS, n)) for n in sorted(_one_slip_away(snap, typed))]


def _context(plan: QueryPlan, typed: str) -> list[tuple[str, ...]]:
    """The query's pairs holding the slip, with its place left blank: ("", "chau")."""
    return [tuple("" if x == typed else x for x in sp.syls) for sp in plan.spans
            if not sp.pyvi and typed in sp.syls]


def _beside(snap: Snapshot, guess: str, context: list[tuple[str, ...]]) -> int:
    """In how many documents the corpus prints ``guess`` beside the query's neighbours."""
    n = 0
    for a, b in context:
        pair = f"{a or guess}_{b or guess}"
        n += snap.df(("title_sh", "lead_sh", "body_f"), pair)
    return n


def _respell_pairs(plan: QueryPlan, typed: str, chosen: list[str]) -> None:
    """The query's adjacent pairs with the slip replaced by each guess, for the pair
    bonuses (``pohng tho`` -> ``phong_tho``), so that the article holding the words the
    reader meant, side by side, ranks as if they had been typed right. (Not required whole:
    a guess is no word the reader typed.)"""
    for sp in list(plan.spans):
        if sp.pyvi or typed not in sp.syls:
            continue
        for n in chosen:
            pair = "_".join(n if x == typed else x for x in sp.syls)
            plan.shingles.append((pair, sp.parts))
            if "body" in sp.parts:
                plan.words.append(Word(pair, pair, ("body",)))
