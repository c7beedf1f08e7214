"""Story keys: what two copies of one syndicated story share, computed per article while indexing.

Why here, below the index: the writer stores each article's key in the ``dupsig`` column, and
the duplicate detector of search (``search.duplicates``) reads them back; neither needs the
other. A key is a title hash and a MinHash signature over shingles of folded syllables: no
segmenter, a regular expression and a few numpy operations per article.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib

import numpy as np

from newssearch.text.analysis import PART_RE, normalize

SHINGLE = 5  # syllables per shingle
NUM_PERM = 64  # MinHash functions
BANDS, ROWS = 16, 4  # LSH: BANDS * ROWS == NUM_PERM; pairs above ~0.5 Jaccard meet in a band
MIN_JACCARD = 0.7  # estimated Jaccard of shingles for "near-identical"
MIN_TITLE_SYLLABLES = 3  # shorter titles ("Tin vắn") say nothing about the story
MIN_SHINGLES = 8  # texts shorter than this are compared by title only
MAX_SYLLABLES = 600  # bounded work for long texts: their start decides
COLUMN = "dupsig"  # the schema column holding each article's story_key

_rng = np.random.default_rng(20261130)  # fixed: signatures are comparable across processes
_A = _rng.integers(1, 2**63, NUM_PERM, dtype=np.uint64) | np.uint64(1)
_B = _rng.integers(0, 2**63, NUM_PERM, dtype=np.uint64)
_MIX = _rng.integers(1, 2**63, SHINGLE, dtype=np.uint64) | np.uint64(1)
_SYLLABLE = re.compile(rb"[a-z0-9]+")


def folded_syllables(text: str) -> list[bytes]:
    """The accent-free syllables of ``text`` as ASCII (as ``analysis.fold``: lowercase, đ -> d,
    marks dropped); letters of other scripts are dropped. All of it runs in C: building the
    detector over a whole corpus reads every article."""
    nfd = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return _SYLLABLE.findall(nfd.encode("ascii", "ignore").lower())


def title_key(title: str) -> str | None:
    """The normalized title two copies of a story share (its syllables, NFC, one tone
    placement, lowercase: accents kept, since "Lá thư" and "Lá thu" are other words), or None
    when it is too short."""
    syls = [normalize(m.group()) for m in PART_RE.finditer(title)]
    return " ".join(syls) if len(syls) >= MIN_TITLE_SYLLABLES else None


def signature(text: str) -> np.ndarray | None:
    """MinHash of ``text``'s shingles (uint32 x NUM_PERM), None when the text is too short.
    Only the first ``MAX_SYLLABLES`` count: copies of a story share their start."""
    syls = folded_syllables(text[: MAX_SYLLABLES * 8])[:MAX_SYLLABLES]
    if len(syls) < SHINGLE + MIN_SHINGLES - 1:
        return None
    h = np.fromiter(map(zlib.crc32, syls), dtype=np.uint64, count=len(syls))
    m = len(h) - SHINGLE + 1
    sh = np.zeros(m, dtype=np.uint64)
    for i in range(SHINGLE):  # wrapping uint64 arithmetic: a cheap order-sensitive mix
        sh += h[i : i + m] * _MIX[i]
    # Multiply-shift hashing: the high 32 bits of a*x+b (mod 2**64) per function.
    vals = (_A[:, None] * sh[None, :] + _B[:, None]) >> np.uint64(32)
    return vals.min(axis=1).astype(np.uint32)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures' shingle sets."""
    return float(np.count_nonzero(a == b)) / NUM_PERM


def title_hash(key: str | None) -> int:
    """A 64-bit stand-in for a title key (0: no key): equal keys, equal hashes; two of a
    million titles collide with probability about 3e-8."""
    if key is None:
        return 0
    h = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(h, "little") or 1


def story_key(title: str, text: str) -> bytes:
    """What the detector needs of an article, packed for the index's ``dupsig`` column: the
    title hash (8 bytes) and, when the text is long enough, its signature (4 x NUM_PERM)."""
    sig = signature(text)
    head = title_hash(title_key(title)).to_bytes(8, "little")
    return head if sig is None else head + sig.tobytes()


def article_text(lead: str, body: list[str]) -> str:
    """The text whose signature is compared (captions left out: they vary between copies)."""
    return "\n".join([lead, *body])
