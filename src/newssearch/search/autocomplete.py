"""Search-box completions: the phrases titles and leads write (``index/phrases.py``).

Why a table and not the term dictionary: readers choose searches, not syllables; the table
holds each phrase once, as headlines write it, with a score, sorted by its accent-free form.
A keystroke is a binary search for the folded prefix and a top-k over that range (the widest
ranges, one or two letters, are remembered per generation): no scan of the vocabulary.

Typing: accents are optional (``gia v`` finds ``Giá vàng``); a syllable typed with accents
keeps only phrases with those accents (``giá v`` is not ``gia vị``); Telex and VNI keystrokes
(``gias v``) are read as the accents they spell. The words before the phrase a reader is
typing stay as typed (``tin giá v`` -> ``tin Giá vàng``).
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from newssearch.index.cache import BoundedCache
from newssearch.index.phrases import MAX_WORDS, PhraseTable
from newssearch.index.snapshot import Snapshot
from newssearch.text.analysis import fold, is_folded, normalize
from newssearch.text.telex import decode

MAX_PREFIX_CHARS = 200
TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")
LONG_QUERY = 3  # from this many typed words on, the last one alone may be completed
WIDE = 4096  # ranges wider than this keep their best entries per generation
KEEP = 512  # best entries kept of such a range (accent filters look further down)
WIDE_CACHE = 20_000


@dataclass(frozen=True)
class Completion:
    """One suggestion: its text, and how many of its first characters the reader typed
    (shown plain; the rest is the completion, shown bold)."""

    text: str
    typed: int

    def to_dict(self) -> dict:
        return {"text": self.text, "typed": self.typed}


def completer(snap: Snapshot) -> Completer | None:
    """The generation's completer; None for a build written before phrase tables."""
    def make() -> Completer | None:
        t = PhraseTable.open(snap.build.path)
        return Completer(t) if t is not None else None
    return snap.once("phrases", make)


def complete(snap: Snapshot, prefix: str, limit: int = 8) -> list[Completion]:
    """Completions for a search box from the generation's phrase table."""
    c = completer(snap)
    return c.complete(prefix, limit) if c is not None else []


class Completer:
    """Completions from one phrase table (see the module docstring)."""

    def __init__(self, table: PhraseTable):
        self.t = table
        self.wide: BoundedCache = BoundedCache(WIDE_CACHE)

    def complete(self, prefix: str, limit: int = 8) -> list[Completion]:
        """The best ``limit`` phrases completing ``prefix``, most used first.

        The longest tail of the typed words (up to four) that starts a phrase wins; the words
        before it stay as typed. Shorter tails are not mixed in, and a single word is completed
        on its own only after a longer query (``bát`` + ``trong`` is no phrase anyone writes).
        """
        words = prefix.split()
        if not words or len(prefix) > MAX_PREFIX_CHARS or limit < 1:
            return []
        open_end = not prefix[-1].isspace()  # the last word may still grow
        out: list[Completion] = []
        seen: set[str] = set()
        shortest = 1 if len(words) >= LONG_QUERY or len(words) == 1 else 2
        for n in range(min(MAX_WORDS, len(words)), shortest - 1, -1):
            head, tail = words[:-n], words[-n:]
            lead = " ".join(head) + " " if head else ""
            for text, typed in self.phrases(tail, open_end, limit):
                shown = lead + text
                if shown not in seen:
                    seen.add(shown)
                    out.append(Completion(shown, len(lead) + typed))
            if out:
                break
        return out[:limit]

    def phrases(self, words: list[str], open_end: bool, limit: int) -> list[tuple[str, int]]:
        """Phrases starting with ``words`` as typed (and as Telex read them), best first."""
        found: dict[str, tuple[float, int]] = {}
        for spelled in spellings(words):
            for i, text, typed in self.matches(spelled, open_end, limit):
                s = float(self.t.score[i])
                if text not in found or found[text][0] < s:
                    found[text] = (s, typed)
        best = sorted(found.items(), key=lambda kv: (-kv[1][0], kv[0].count(" "), kv[0]))
        return [(text, typed) for text, (_, typed) in best[:limit]]

    def matches(self, words: list[str], open_end: bool, limit: int
                ) -> list[tuple[int, str, int]]:
        """(table row, text, typed chars) of phrases whose words begin as ``words`` do."""
        t = self.t
        norm = [normalize(w) for w in words]
        key = " ".join(fold(w) for w in norm) + ("" if open_end else " ")
        lo = bisect_left(t.folded, key)
        hi = bisect_left(t.folded, key + "\U0010ffff")
        if hi <= lo:
            return []
        accented = [(i, w) for i, w in enumerate(norm) if not is_folded(w)]
        last = len(norm) - 1
        out = []
        for r in self.best(key, lo, hi):
            text = t.shown[int(r)]
            parts = text.split(" ")
            if len(parts) <= last or (not open_end and len(parts) == len(norm)):
                continue
            if any(not agrees(normalize(parts[i]), w, i == last and open_end)
                   for i, w in accented):
                continue
            typed = sum(len(p) + 1 for p in parts[:last])
            typed += min(len(norm[last]), len(parts[last])) if open_end else len(parts[last]) + 1
            out.append((int(r), text, typed))
            if len(out) >= limit:
                break
        return out

    def best(self, key: str, lo: int, hi: int) -> np.ndarray:
        """The range's rows by score, best first (of a wide range, the best ``KEEP``,
        remembered)."""
        score = self.t.score
        if hi - lo <= WIDE:
            return lo + np.argsort(-score[lo:hi], kind="stable")

        def top() -> np.ndarray:
            part = np.asarray(score[lo:hi])
            keep = np.argpartition(-part, KEEP)[:KEEP]
            return lo + keep[np.argsort(-part[keep], kind="stable")]
        return self.wide.get_or_make(key, top)


def spellings(words: list[str]) -> list[list[str]]:
    """The typed words, and the same with Telex/VNI keystrokes read as accents."""
    decoded = [decode(w) or w for w in words]
    return [words] if decoded == words else [words, decoded]


def agrees(word: str, typed: str, partial: bool) -> bool:
    """Whether a phrase's word is the typed one, accents included; when the reader is still
    typing it, its beginning, with the tone typed so far (``tú`` begins ``tuý``: the tone
    mark sits on another vowel once the word is whole)."""
    if not partial:
        return word == typed
    if word.startswith(typed):
        return True
    w_base, w_tone = split_tone(word)
    t_base, t_tone = split_tone(typed)
    return w_base.startswith(t_base) and t_tone in ("", w_tone)


@lru_cache(maxsize=50_000)
def split_tone(word: str) -> tuple[str, str]:
    """The word without its tone mark (vowel marks kept: ``tuý`` -> ``tuy``), and the mark."""
    nfd = unicodedata.normalize("NFD", word)
    tone = "".join(c for c in nfd if c in TONES)
    return unicodedata.normalize("NFC", "".join(c for c in nfd if c not in TONES)), tone
