"""Vietnamese text analysis, identical at index and query time.

Why it is built this way:
- pyvi normalizes and re-spaces its input, so its output has no offsets. We split the
  original string ourselves (every token keeps ``startchar``/``endchar`` into the
  un-normalized text) and run pyvi's own CRF model over that token sequence.
- pyvi's features are case-sensitive (``Châu Âu`` joins, ``châu Âu`` does not), so the CRF
  sees original casing; terms are lowercased afterwards.
- Matching needs one form per syllable: NFC, lowercase, and one tone placement. We use the
  "new" placement (``hoà``, ``thuỷ``, ``khoẻ``) because pyvi's dictionary is written that way.
- Readers often type without diacritics, so every term also has a folded twin (``đ`` -> ``d``,
  marks dropped). Folded terms live in separate fields so ranking can prefer exact accents.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from newssearch.text import pyvi_model

ANALYZER_VERSION = 1

# A syllable: letters, digits and combining marks (NFD text), no underscore.
# One syllable: letters, digits and combining marks, never "_" (which joins pyvi words).
SYLLABLE = r"(?:[^\W_]|[\u0300-\u036f])+"
# Syllables joined by . , - without spaces stay whole as well: 8.848, 20,49, KT-XH, TP.HCM.
TOKEN_RE = re.compile(rf"{SYLLABLE}(?:[.,\-]{SYLLABLE})*")
PART_RE = re.compile(SYLLABLE)
# Punctuation that pyvi feeds to its CRF as separate items (context features).
_CRF_ITEM_RE = re.compile(rf"{SYLLABLE}(?:[.,]\d+)*|[^\s\w]|\n")

_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")
_NEW_STYLE_ENDINGS = ("oa", "oe", "uy")


def _retone(syllable: str) -> str:
    """NFC with the tone of a final oa/oe/uy on the last vowel (hòa -> hoà), case kept."""
    nfd = unicodedata.normalize("NFD", syllable)
    tone = None
    base = []
    for ch in nfd:
        if ch in _TONES:
            tone = ch
        else:
            base.append(ch)
    if tone is None:
        return unicodedata.normalize("NFC", nfd)
    b = "".join(base)
    if b.lower().endswith(_NEW_STYLE_ENDINGS):
        return unicodedata.normalize("NFC", b + tone)
    return unicodedata.normalize("NFC", nfd)


@lru_cache(maxsize=200_000)
def normalize(text: str) -> str:
    """The matching form of a syllable or word: NFC, one tone placement, lowercase."""
    if text.isascii():
        return text.lower()
    return "".join(_retone(p) if p[:1] != "_" else p for p in _split_keep(text)).lower()


def _split_keep(text: str) -> list[str]:
    # Retone each letter run separately; separators (. , - _ spaces) pass through.
    return re.findall(rf"{SYLLABLE}|[^\w\u0300-\u036f]+|_", text)


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Accent-free form: the way many readers type (đường -> duong)."""
    if text.isascii():
        return text.lower()
    nfd = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("Đ", "d"))
    return "".join(ch for ch in nfd if not unicodedata.combining(ch))


def is_folded(term: str) -> bool:
    """True when a term carries no diacritics, i.e. the reader may have dropped them."""
    return fold(term) == term


@dataclass(slots=True)
class Token:
    """One indexed unit. ``kind``: 'syl' (syllable), 'word' (pyvi compound), 'comp' (8.848, kt-xh)."""

    kind: str
    text: str  # normalized exact form
    folded: str
    pos: int
    startchar: int
    endchar: int


@lru_cache(maxsize=1)
def _crf() -> pyvi_model.SegmenterModel:
    return pyvi_model.load()  # kept whole: its tagger reads the model bytes in place


@lru_cache(maxsize=200_000)
def _item_attrs(w: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], str]:
    """pyvi's per-item features of ``w`` as itself, as left and as right neighbour."""
    low = w.lower()
    title, upper = w.istitle(), w.isupper()
    cur = ["bias", "word.lower():" + low]
    prev = ["-1:word.lower():" + low]
    nxt = ["+1:word.lower():" + low]
    if upper:
        cur.append("word.isupper()")
    if title:
        cur.append("word.istitle()")
    if w.isdigit():
        cur.append("word.isdigit()")
    if title:
        prev.append("-1:word.istitle()")
        nxt.append("+1:word.istitle()")
    if upper:
        prev.append("-1:word.isupper()")
        nxt.append("+1:word.isupper()")
    return tuple(cur), tuple(prev), tuple(nxt), low


def warm_up() -> None:
    """Load pyvi's model now, e.g. before forking writer processes that would each load it."""
    _crf()


def dictionary_pairs() -> frozenset[str]:
    """pyvi's two-syllable dictionary words (lower case, space-joined): a capitalised run
    ending where such a word goes on in lower case (``Dải Ngân`` hà) is a cut word."""
    return _crf().bi_grams


def _crf_labels(items: list[str]) -> list[str]:
    """pyvi's CRF over our own items, with pyvi's features as crfsuite attribute strings.

    Same features and model as ``ViTokenizer.tokenize`` (tested), without building a dict
    per item, which is where most of pyvi's time goes.
    """
    m = _crf()
    tagger, bi, tri = m.tagger, m.bi_grams, m.tri_grams
    n = len(items)
    attrs = [_item_attrs(w) for w in items]
    low = [a[3] for a in attrs]
    # big[i]: items i-1, i form a dictionary bigram; trig[i]: items i-2..i a trigram.
    big = [False] + [low[i - 1] + " " + low[i] in bi for i in range(1, n)]
    trig = [False, False] + [
        low[i - 2] + " " + low[i - 1] + " " + low[i] in tri for i in range(2, n)
    ]
    # Each item's attributes: its own, then its left neighbour's (with the -1 bigram and -2
    # trigram flags), then its right neighbour's (with +1 and +2): pyvi's order, built as
    # one concatenation per item from per-position pieces.
    _bi_l, _tri_l = ("-1:word.bi_gram()",), ("-2:word.tri_gram()",)
    _bi_r, _tri_r = ("+1:word.bi_gram()",), ("+2:word.tri_gram()",)
    left = [()] + [attrs[i - 1][1] + (_bi_l if big[i] else ()) + (_tri_l if trig[i] else ())
                   for i in range(1, n)]
    right = [attrs[i + 1][2] + (_bi_r if big[i + 1] else ())
             + (_tri_r if i < n - 2 and trig[i + 2] else ()) for i in range(n - 1)] + [()]
    xseq = [list(a[0] + lt + rt) for a, lt, rt in zip(attrs, left, right)]
    return tagger.tag(xseq)


@lru_cache(maxsize=100_000)
def _crf_form(syllable: str) -> str:
    """What the CRF sees: NFC, new tone placement, original case (pyvi needs capitals)."""
    return syllable if syllable.isascii() else _retone(syllable)


@lru_cache(maxsize=200_000)
def _forms(raw: str) -> tuple[str, str]:
    """(normalized, folded) of a token as written: one cache lookup per token at index time."""
    t = normalize(raw)
    return t, fold(t)


def analyze(text: str, words: bool = True) -> list[Token]:
    """Tokens of ``text`` with offsets into ``text`` itself (not a normalized copy).

    Syllables get consecutive positions; a composite (``kt-xh``) and a pyvi compound
    (``phát_triển``) sit at the position of their first syllable, so phrases over
    syllables and whole-word matches both work.
    """
    out: list[Token] = []
    syls: list[tuple[int, int, str]] = []  # (start, end, raw) per syllable position
    pos = 0
    for m in TOKEN_RE.finditer(text):
        raw = m.group()
        start = m.start()
        # isalnum: a plain syllable (what PART_RE matches, minus NFD marks) without a regex.
        if raw.isalnum() or PART_RE.fullmatch(raw):
            t, f = _forms(raw)
            out.append(Token("syl", t, f, pos, start, m.end()))
            syls.append((start, m.end(), raw))
            pos += 1
            continue
        t, f = _forms(raw)
        out.append(Token("comp", t, f, pos, start, m.end()))
        for p in PART_RE.finditer(raw):
            pt, pf = _forms(p.group())
            out.append(Token("syl", pt, pf, pos, start + p.start(), start + p.end()))
            syls.append((start + p.start(), start + p.end(), p.group()))
            pos += 1
    if words and len(syls) > 1:
        out.extend(_compounds(text, syls))
    return out


# Items between syllables that pyvi's CRF sees: punctuation and newlines. Lone surrogates
# (from JSON escapes or argv) are no item: crfsuite fails on them.
GAP_ITEM_RE = re.compile(r"[^\s\w\u0300-\u036f\ud800-\udfff]|\n")


def _compounds(text: str, syls: list[tuple[int, int, str]]) -> list[Token]:
    """pyvi words of two or more syllables, built from CRF labels on our syllables."""
    # CRF items: our syllables plus the punctuation and newlines between them, as pyvi has.
    items: list[str] = []
    item_syl: list[int] = []  # index into syls, or -1 for punctuation
    prev_end = 0
    for k, (s, e, raw) in enumerate(syls):
        if s > prev_end and (gap := text[prev_end:s]) != " ":
            for p in GAP_ITEM_RE.findall(gap):
                items.append(p)
                item_syl.append(-1)
        items.append(_crf_form(raw))
        item_syl.append(k)
        prev_end = e
    labels = _crf_labels(items)
    out: list[Token] = []
    run: list[int] = []

    def flush() -> None:
        if len(run) > 1:
            first, last = syls[run[0]], syls[run[-1]]
            t = "_".join(normalize(syls[k][2]) for k in run)
            out.append(Token("word", t, fold(t), run[0], first[0], last[1]))

    for j, label in enumerate(labels):
        k = item_syl[j]
        joins = (
            label == "I_W"
            and k > 0
            and run
            and run[-1] == k - 1
            and item_syl[j - 1] == k - 1
            and text[syls[k - 1][1] : syls[k][0]].isspace()
            and not items[j][0].isdigit()
            and not items[j - 1][0].isdigit()
            and not (items[j][0].istitle() and not items[j - 1][0].istitle())
        )
        if k < 0:
            flush()
            run = []
        elif joins:
            run.append(k)
        else:
            flush()
            run = [k]
    flush()
    return out


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Vietnamese stopwords (normalized; multi-syllable entries joined by ``_``).

    Source and licence are in the data file's header. Stopwords stay indexed (phrases need
    them); ranking and related-article term selection use this list to weigh them down.
    """
    words = set()
    path = resources.files("newssearch") / "data" / "stopwords_vi.txt"
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            words.add(normalize(line).replace(" ", "_"))
    return frozenset(words)
