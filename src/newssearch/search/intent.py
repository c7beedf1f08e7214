"""Which words of a query are its topic, and which only frame it (question words, fillers).

Readers type topics as questions: ``vì sao cá chết hàng loạt``, ``cách chữa mất ngủ``, ``ai
là chủ tịch Quốc hội``. The article that answers rarely prints ``vì sao``, ``cách`` or ``ai
là``; requiring them hides it. data/optional_vi.tsv lists those words with the reason for
each; here a query's syllables are marked optional where they spell one of them, unless pyvi
joined the syllable with a neighbour outside the phrase into a longer word (``cách`` in
``cách mạng`` is a topic). Needs no index.
"""

from __future__ import annotations

from functools import lru_cache

from newssearch.text.abbrev import data_lines, spelling_syllables
from newssearch.text.analysis import Token, fold


@lru_cache(maxsize=1)
def phrases() -> tuple[frozenset[tuple[str, ...]], frozenset[tuple[str, ...]], int]:
    """The optional phrases as syllable tuples (accented), their accent-free forms of two or
    more syllables, and the longest phrase's length."""
    accented: set[tuple[str, ...]] = set()
    for line in data_lines("optional_vi.tsv"):
        if line.strip() and not line.startswith("#"):
            form = spelling_syllables(line.split("\t")[0])
            if form:
                accented.add(form)
    folded = {tuple(fold(s) for s in f) for f in accented if len(f) > 1}
    return frozenset(accented), frozenset(folded), max(map(len, accented), default=0)


def optional_positions(toks: list[Token], accented: bool) -> set[int]:
    """Positions (among the syllable tokens of ``toks``) that only frame the query.

    Longest phrase first, left to right. An accented query matches the accented forms, an
    accent-free one the accent-free forms (``cach`` alone is ambiguous: not optional).
    """
    accented_forms, folded, longest = phrases()
    syls = [t for t in toks if t.kind == "syl"]
    words = [t for t in toks if t.kind in ("word", "comp")]
    out: set[int] = set()
    i = 0
    while i < len(syls):
        for n in range(min(longest, len(syls) - i), 0, -1):
            run = syls[i:i + n]
            key = tuple(t.text for t in run)
            if not (key in accented_forms if accented else key in folded):
                continue
            if inside_longer_word(words, run[0].startchar, run[-1].endchar):
                continue
            out.update(range(i, i + n))
            i += n - 1
            break
        i += 1
    return out


def inside_longer_word(words: list[Token], start: int, end: int) -> bool:
    """Whether a pyvi word of the query overlaps characters ``start..end`` and reaches
    outside them: that run is part of a longer word (cách in cách_mạng, mỹ in mỹ_phẩm)."""
    return any(w.startchar < end and w.endchar > start
               and (w.startchar < start or w.endchar > end) for w in words)
