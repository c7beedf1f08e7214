"""What the reader may have meant: accent restoration and did-you-mean.

Did-you-mean finds neighbours by edit distance without scanning the vocabulary: every title
syllable is filed under the strings it gives with up to two letters deleted (the SymSpell
idea). Whoosh's own ``terms_within`` compares the query with every term: 100s of ms.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import numpy as np

from newssearch.index.snapshot import Snapshot
from newssearch.search.results import Hit, Suggestions
from newssearch.text.analysis import analyze, fold, is_folded, normalize
from newssearch.text.skeleton import find_folded

SUGGEST_MAX_SYLLABLES = 8  # longer queries get suggestions only from hits, or when nothing hit
SURFACE_CACHE = 100_000


class Vocabulary:
    """The single syllables of a field, found by edit distance (see the module docstring)."""

    MAX_LEN = 12  # longer strings are not syllables (nor worth their many deletions)

    def __init__(self, terms: Iterable[str]):
        self._index: dict[str, list[str]] = {}
        for t in terms:
            if "_" not in t and len(t) <= self.MAX_LEN:
                for v in deletions(t, 2):
                    self._index.setdefault(v, []).append(t)

    def near(self, word: str, distance: int = 2) -> set[str]:
        """Syllables within ``distance`` (at most 2) edits of ``word``."""
        if len(word) > self.MAX_LEN + distance:
            return set()
        found = {t for v in deletions(word, distance) for t in self._index.get(v, ())}
        return {t for t in found if edit_distance(word, t) <= distance}


def vocabulary(snap: Snapshot, fieldname: str) -> Vocabulary:
    """The field's syllables for did-you-mean, built once per generation (about 0.2 s)."""
    return snap.once("vocab:" + fieldname, lambda: Vocabulary(snap.terms(fieldname)))


def prepare(snap: Snapshot) -> None:
    """Build what did-you-mean needs, off the request path (run in a background thread)."""
    try:
        for f in ("title", "title_f"):
            vocabulary(snap, f)
    except Exception:  # noqa: BLE001, S110 - closed meanwhile: a request builds it
        pass


def surface(snap: Snapshot, folded_term: str) -> str | None:
    """How the corpus writes a folded term (``phong_tho`` -> ``phong thổ``), lowercase.

    Read off the titles and leads of a few articles holding the term, so no vocabulary
    has to be built; the most common accented spelling wins.
    """
    cache = snap.memo_cache("surfaces", SURFACE_CACHE)
    if folded_term in cache:
        return cache.get(folded_term)
    votes: Counter[str] = Counter()
    syls = folded_term.split("_")
    for part in ("title", "lead"):
        p = snap.postings(part + "_f", folded_term)
        if p is None:
            continue
        for d in p.docs[np.argsort(-p.ntf(), kind="stable")[:5]]:
            found = find_folded(getattr(snap.article(int(d)), part) or "", syls)
            if found:
                votes[" ".join(normalize(found).split())] += 1
        if votes:
            break
    return cache.put(folded_term, votes.most_common(1)[0][0] if votes else None)


def suggestions(snap: Snapshot, syllables: list[str], accented: bool, total: int,
                hits: list[Hit], relaxed: bool, units: int,
                slips: dict[str, str] | None = None) -> Suggestions:
    """Accent restoration for accent-free queries; did-you-mean for queries that found
    nothing, short ones that found almost nothing, and short ones that fell back to partial
    matches (a long pasted text needs none), or the query with its slips (``slips``: typed
    syllable -> likeliest neighbour) corrected when the results came from guessing them."""
    out = Suggestions()
    if not syllables:
        return out
    if not accented:
        acc = restore_accents(snap, syllables, hits)
        if acc and not is_folded(normalize(acc)) and [
            t.folded for t in analyze(acc, words=False) if t.kind == "syl"
        ] == [fold(x) for x in syllables]:  # the reader's syllables, punctuation aside
            out.accented.append(acc)
    short = len(syllables) <= SUGGEST_MAX_SYLLABLES
    if total == 0 or (short and (total < 3 or (relaxed and units <= 4))):
        dym = did_you_mean(snap, syllables, accented)
        if dym:
            out.did_you_mean.append(dym)
    if slips and not out.did_you_mean:
        out.did_you_mean.append(" ".join(slips.get(s, s) for s in syllables))
    return out


def restore_accents(snap: Snapshot, folded: list[str], hits: list[Hit]) -> str | None:
    """The accented form of an accent-free query, with corpus casing when a hit shows it;
    for a short query no hit shows, pieced together from how the corpus writes its pairs."""
    for h in hits[:5]:
        for text in (h.article.title, h.article.lead):
            found = find_folded(text, folded)
            if found:
                return found
    if len(folded) > SUGGEST_MAX_SYLLABLES:
        return None  # word by word, a long query comes back garbled (tam giu -> tắm giữ)
    out, i = [], 0
    while i < len(folded):
        pair = surface(snap, folded[i] + "_" + folded[i + 1]) if i + 1 < len(folded) else None
        if pair:
            out.append(pair)
            i += 2
        else:
            out.append(surface(snap, folded[i]) or folded[i])
            i += 1
    restored = " ".join(out)
    return restored if restored != " ".join(folded) else None


def did_you_mean(snap: Snapshot, syllables: list[str], accented: bool) -> str | None:
    """Replace syllables the index lacks with their nearest indexed neighbour.

    Nearest by edit distance, then by document frequency; an accent-free query gets
    accent-free suggestions (the accent restoration suggests accents separately).
    """
    out, changed = [], False
    for s in syllables:
        f = fold(s)
        if snap.postings("body_f", f) or snap.postings("title_f", f) or len(f) > 30:
            out.append(s)
            continue
        best = nearest(snap, s if accented else f, accented)
        if best:
            out.append(best)
            changed = True
        else:
            out.append(s)
    return " ".join(out) if changed else None


def nearest(snap: Snapshot, word: str, accented: bool) -> str | None:
    """The closest title syllable (edits <= 2), or two syllables for words run together
    (``vietnaam`` -> ``viet nam``, the space counting as one edit) that titles or bodies
    hold as a word, or titles as an adjacent pair; ties go to the more frequent."""
    field = "title" if accented else "title_f"
    vocab = vocabulary(snap, field)
    found = [(edit_distance(word, t), -snap.df((field,), t), t) for t in vocab.near(word)]
    for i in range(1, len(word)):
        # Each half's distances once (not once per pair); a half more than one edit away
        # cannot be part of a pair within two (the space is one).
        left = _within_one(word[:i], vocab.near(word[:i], 1))
        right = _within_one(word[i:], vocab.near(word[i:], 1)) if left else []
        for da, a in left:
            for db, b in right:
                edits = 1 + da + db
                if edits > 2:
                    continue
                df = max(snap.df((field, "body" if accented else "body_f"), f"{a}_{b}"),
                         snap.df(("title_sh",), f"{fold(a)}_{fold(b)}"))
                if df:
                    found.append((edits, -df, f"{a} {b}"))
    return min(found)[2] if found else None


def _within_one(word: str, candidates: Iterable[str]) -> list[tuple[int, str]]:
    return [(d, c) for c in candidates if (d := edit_distance(word, c)) <= 1]


def deletions(word: str, n: int) -> set[str]:
    """``word`` and every string it gives with up to ``n`` letters deleted."""
    out = frontier = {word}
    for _ in range(n):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w))}
        out = out | frontier
    return out


def edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]
