"""Texts as skeletons: one byte per character, its fold (``Thổ`` -> ``tho``), so that finding
the syllables that fold to a query term is a ``bytes`` search at C speed instead of a walk over
every token in Python. Highlighting finds its candidate tokens this way, and accent
restoration finds the reader's accent-free syllables as a text prints them (``find_folded``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from newssearch.text.analysis import PART_RE, fold

# Folded terms the skeleton search handles; other ASCII characters never occur in a token's
# fold (terms with them cannot match), non-ASCII ones make the query take the full walk.
_PLAIN_KEY = re.compile(r"[0-9a-z]+(?:[.,\-][0-9a-z]+)*")
_NOT_IN_FOLD = re.compile(r"[^0-9a-z.,\-]")
_PLAIN_SYL = re.compile(r"[0-9a-z]+")  # one syllable of such a key (find_folded's terms)
# Characters whose fold is ASCII or empty all lie below this (a test checks all of Unicode).
FOLD_SCAN_LIMIT = 0x2200


@lru_cache(maxsize=1)
def fold_lut(limit: int = FOLD_SCAN_LIMIT) -> np.ndarray | None:
    """The skeleton byte of each code point below ``limit``; the last entry stands for all the
    others (``?``: none of them folds to ASCII or to nothing, and they are not told apart).

    A syllable character's byte is its fold if that is one ASCII character, 0 if it folds to
    nothing (combining marks: dropped from the skeleton), ``#`` otherwise; the joiners ``.,-``
    are themselves and every other character is a space. None if some character folds to
    several ASCII characters (none does today): the skeleton could not spell it.
    """
    raw_fold = fold.__wrapped__  # uncached: do not flood fold's cache with single characters
    lut = np.full(limit + 1, ord("?"), dtype=np.uint8)
    for cp in range(limit):
        c = chr(cp)
        if not PART_RE.fullmatch(c):
            lut[cp] = cp if c in ".,-" else ord(" ")
            continue
        f = raw_fold(c)
        if not f:
            lut[cp] = 0
        elif not f.isascii():
            lut[cp] = ord("#")
        elif len(f) == 1:
            lut[cp] = ord(f)
        else:
            return None
    return lut


@lru_cache(maxsize=8192)
def key_search(key: str) -> tuple[re.Pattern[bytes], int, bytes] | str:
    """How to find the tokens that fold to ``key`` (a query term's fold) in a skeleton: a regex
    for it as a whole syllable or composite, its length and its bytes; or "skip" when no token
    folds to it, "walk" when the skeleton cannot spell it (a non-Latin letter, say).

    The regex wants the key not preceded or followed by another syllable character; the
    literal leads, so the search runs at C speed.
    """
    if key.isascii() and _NOT_IN_FOLD.search(key):
        return "skip"  # e.g. "phat_trien": tokens fold to letters, digits and joiners only
    if not _PLAIN_KEY.fullmatch(key) or fold_lut() is None:
        return "walk"
    kb = key.encode()
    rx = rb"%s(?<![0-9a-z#].{%d})(?![0-9a-z#])" % (re.escape(kb), len(kb))
    return re.compile(rx, re.DOTALL), len(kb), kb


def skeleton(text: str, lut: np.ndarray) -> tuple[bytes, np.ndarray | None]:
    """Each character of ``text`` as its skeleton byte, combining marks dropped, and where each
    byte came from (None: nothing dropped, the positions are the text's own)."""
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    sk = lut.take(cps, mode="clip")
    raw = sk.tobytes()
    if b"\x00" not in raw:
        return raw, None
    keep = sk != 0
    return sk[keep].tobytes(), np.flatnonzero(keep)


def find_folded(text: str, folded: Sequence[str]) -> str | None:
    """The first place where ``text`` holds syllables folding to ``folded``, in order with
    only non-syllable characters between, as the text writes it (``phong tho`` finds
    ``Phong Thổ``). Used to show a reader the accented form of what they typed."""
    if not folded:
        return None
    lut = fold_lut()
    if lut is None or not all(_PLAIN_SYL.fullmatch(f) for f in folded):
        return find_folded_walk(text, folded)
    sk, where = skeleton(text, lut)
    m = _sequence_regex(tuple(folded)).search(sk)
    if m is None:
        return None
    if where is None:
        return text[m.start():m.end()]
    end = int(where[m.end()]) if m.end() < len(where) else len(text)
    return text[int(where[m.start()]):end]


@lru_cache(maxsize=1024)
def _sequence_regex(folded: tuple[str, ...]) -> re.Pattern[bytes]:
    """Syllables in a skeleton: whole (no syllable character either side), in order."""
    body = rb"[^0-9a-z#]+".join(re.escape(f.encode()) for f in folded)
    return re.compile(rb"(?<![0-9a-z#])" + body + rb"(?![0-9a-z#])")


def find_folded_walk(text: str, folded: Sequence[str]) -> str | None:
    """find_folded for keys the skeleton cannot spell: fold character by character."""
    chars, offs = [], []
    for i, ch in enumerate(text):
        for c in fold(ch) if not ch.isascii() else ch.lower():
            if not unicodedata.combining(c):
                chars.append(c)
                offs.append(i)
    rx = re.compile(r"(?<!\w)" + r"\W+".join(re.escape(x) for x in folded) + r"(?!\w)")
    m = rx.search("".join(chars))
    if m is None:
        return None
    end = offs[m.end() - 1] + 1
    while end < len(text) and unicodedata.combining(text[end]):
        end += 1
    return text[offs[m.start()]:end]
