"""Highlighted titles and snippets, cut from the original text.

Why it is built this way:
- Search results must show what the outlet printed: the text may be NFD, use the old tone
  placement (``hòa``) or any casing, so we never show the index's normalized or segmented
  (``phát_triển``) forms. Tokens are the analyzer's own ``TOKEN_RE`` tokens of the original
  string, and every output is a slice of the input.
- A syllable matches when its normalized form is an exact query term or its folded form is an
  accent-free query term, the same two ways the index matches.
- A hit inside a composite token (``KT-XH``, ``TP.HCM``) marks the whole visible token, and
  neighbouring hits merge (``<mark>Phong Thổ</mark>``), which reads better than mark soup.
- Highlights follow the match: a query word the search kept whole (``whole``: ``học sinh``)
  is marked only where its syllables stand together, not as ``học`` in ``trung học``; a
  syllable the query also has on its own (``alone``) is marked anywhere.
- It runs for every hit shown, so it does not walk a body's hundreds of tokens in Python. Any
  match folds to a query term (an exact term's fold, or an accent-free term), so we find the
  few tokens that can match at C speed: the text becomes a skeleton, one byte per character
  (its fold: ``Thổ`` -> ``tho``, NFD marks dropped), in which each term is a plain ``bytes``
  search (``skeleton.py``). Only those tokens get the exact per-token rule
  (``_token_terms``), so the skeleton search only has to find a superset. Snippet windows look
  for token boundaries near their edges instead of tokenizing the whole text. A term whose
  fold is not plain ASCII letters and digits (rare in Vietnamese) takes the full walk.
"""

from __future__ import annotations

import html
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise

from newssearch.text.analysis import PART_RE, SYLLABLE, TOKEN_RE, fold, normalize
from newssearch.text.skeleton import fold_lut, key_search, skeleton

__all__ = ["mark_text", "snippets"]

ELLIPSIS = "…"
SENTENCE_END = frozenset(".!?…")
# What may stand between two matched tokens for them to share one <mark>.
_JOIN_RE = re.compile(r"[ \t\u00a0\u202f]*(?:[-./\u2013\u2014][ \t\u00a0\u202f]*)?")
# The analyzer's token shape that the code below relies on: syllables of letters, digits and
# combining marks (no "_"), joined by single . , - (tests check TOKEN_RE still looks so).
# TOKEN_RE for texts without "_" (see _Tokens).
_TOKEN_FAST = re.compile(TOKEN_RE.pattern.replace(SYLLABLE, r"[\w\u0300-\u036f]+"))
_MEMO_MAX = 4096  # tokens remembered per query
_NEAR = 200  # how far back _Tokens looks for a space to search for tokens from
_NOT_SYL = b" .,-"  # skeleton bytes that are surely no syllable character ("?" may be one)
_JOINERS = b".,-"
_SYL_BYTES = frozenset(b"0123456789abcdefghijklmnopqrstuvwxyz#")
_FIND_MAX = 256  # shorter skeletons are searched with bytes.find, longer ones with regexes


@dataclass(slots=True)
class _Span:
    """A run of matched visible tokens: [start, end) in the original text, and its terms."""

    start: int
    end: int
    terms: set[str]


@dataclass(slots=True)
class _Terms:
    """A query's term sets, prepared once and shared by all the hits of a result page."""

    exact: set[str]
    folded: set[str]
    keys: tuple[tuple[re.Pattern[bytes], int, bytes], ...] | None  # _key_search's; None: walk
    whole: tuple[tuple[str, ...], ...] = ()  # folded words marked only where whole
    bound: frozenset[str] = frozenset()  # their syllables the query lacks on their own
    memo: dict[str, tuple[str, ...]] = field(default_factory=dict)  # token -> _token_terms


def _as_set(terms: Collection[str]) -> set[str]:
    """O(1) membership; a compound term (``phát_triển``) also lights up its visible syllables."""
    out = set(terms)
    for t in terms:
        if "_" in t or " " in t:
            out.update(p for p in re.split(r"[_ ]+", t) if p)
    return out


def _token_terms(raw: str, exact: Collection[str], folded: Collection[str]) -> tuple[str, ...]:
    """Folded keys of the query terms a visible token matches (empty: no match).

    The folded key names a term for snippet coverage, so ``hoà`` and ``hoa`` typed by the
    reader count as one term, not two.
    """
    hits: list[str] = []
    whole = normalize(raw)
    whole_folded = fold(whole)
    if whole in exact or whole_folded in folded:
        hits.append(whole_folded)
    if "." in raw or "," in raw or "-" in raw:  # a composite: its syllables count too
        for part in PART_RE.findall(raw):
            n = normalize(part)
            f = fold(n)
            if n in exact or f in folded:
                hits.append(f)
    return tuple(hits)


Whole = tuple[tuple[str, ...], ...]


@lru_cache(maxsize=256)
def _prepare(exact: frozenset[str], folded: frozenset[str], whole: Whole = (),
             alone: frozenset[str] = frozenset()) -> _Terms:
    ex, fo = _as_set(exact), _as_set(folded)
    whole = tuple(w for w in whole if len(w) > 1)
    bound = frozenset(s for w in whole for s in w) - alone
    keys = []
    for key in {fold(t) for t in ex} | fo:  # a match's fold is one of these
        how = key_search(key)
        if how == "walk":
            return _Terms(ex, fo, None, whole, bound)
        if not isinstance(how, str):  # a pattern to look for ("skip": no token folds to it)
            keys.append(how)
    return _Terms(ex, fo, tuple(keys), whole, bound)


def _candidates(text: str, q: _Terms) -> list[tuple[int, int, int]]:
    """(pos, start, end) for each place in ``text`` where a token could match (and a few more).

    ``pos`` is a syllable character of the token. [start, end) is the token when nothing next
    to it could extend it (a space, punctuation, a joiner not followed by a syllable); else
    start is -1 (``_Tokens.at`` finds it from ``pos``).
    """
    out: list[tuple[int, int, int]] = []
    n = len(text)
    lut = fold_lut()
    assert lut is not None and q.keys is not None  # _terms chose this mode: both exist
    sk, where = skeleton(text, lut)
    last = len(sk)
    if last < _FIND_MAX:  # a title: plain substring search, checked here, costs less
        found = []
        for _, k, kb in q.keys:
            p = sk.find(kb)
            while p >= 0:
                if (p == 0 or sk[p - 1] not in _SYL_BYTES) and (
                    p + k == last or sk[p + k] not in _SYL_BYTES
                ):
                    found.append((p, k))
                p = sk.find(kb, p + 1)
    else:
        found = [(m.start(), k) for rx, k, _ in q.keys for m in rx.finditer(sk)]
    for p, k in found:
        i = p + k
        # No syllable character just before or after (the search saw to that), but a joiner
        # there extends the token if a syllable character is on its other side.
        b = sk[p - 1] if p else 32
        plain = b == 32 or (
            b in _JOINERS and where is None and (p < 2 or sk[p - 2] in _NOT_SYL)
        )
        if plain:
            b = sk[i] if i < last else 32
            plain = b == 32 or (
                b in _JOINERS and where is None and (i + 1 >= last or sk[i + 1] in _NOT_SYL)
            )
        if where is None:
            out.append((p, p, i) if plain else (p, -1, -1))
        elif plain:  # take in the combining marks dropped before and after it
            s = int(where[p - 1]) + 1 if p else 0
            out.append((int(where[p]), s, int(where[i]) if i < last else n))
        else:
            out.append((int(where[p]), -1, -1))
    return out


def _remember(q: _Terms, raw: str) -> tuple[str, ...]:
    if len(q.memo) >= _MEMO_MAX:
        q.memo.clear()
    terms = q.memo[raw] = _token_terms(raw, q.exact, q.folded)
    return terms


class _Tokens:
    """Token boundaries of one text, found near a position on demand.

    A search for tokens that starts just after a space or newline finds the real ones (no
    token continues across those), so one nearby suffices. A text without any nearby (no
    spaces for ``_NEAR`` characters) is tokenized once, so the work stays linear.
    """

    __slots__ = ("_ends", "_starts", "text", "tok")

    def __init__(self, text: str) -> None:
        self.text = text
        # TOKEN_RE for texts without "_": one character class, not an alternation: ~2x faster.
        self.tok = TOKEN_RE if "_" in text else _TOKEN_FAST
        self._starts: list[int] = []
        self._ends: list[int] = []

    def _all(self) -> tuple[list[int], list[int]]:
        if not self._starts:
            for m in self.tok.finditer(self.text):
                self._starts.append(m.start())
                self._ends.append(m.end())
        return self._starts, self._ends

    def _restart(self, pos: int) -> int:
        """A position at most ``pos`` to search for tokens from, or -1 if there is none near."""
        lo = max(0, pos - _NEAR)
        q = max(self.text.rfind(" ", lo, pos), self.text.rfind("\n", lo, pos))
        return q + 1 if q >= 0 or lo == 0 else -1

    def at(self, pos: int) -> tuple[int, int]:
        """[start, end) of the token containing ``pos`` (a syllable character)."""
        q = self._restart(pos)
        if q < 0:
            starts, ends = self._all()
            k = bisect_right(starts, pos) - 1
            return starts[k], ends[k]
        m = self._next(q)
        while m.end() <= pos:
            m = self._next(m.end())
        return m.span()

    def start_from(self, pos: int) -> int:
        """The first token start at or after ``pos`` (there must be one)."""
        q = self._restart(pos)
        if q < 0:
            starts, _ = self._all()
            return starts[bisect_left(starts, pos)]
        m = self._next(q)
        while m.start() < pos:
            m = self._next(m.end())
        return m.start()

    def _next(self, pos: int) -> re.Match[str]:
        """The first token at or after ``pos``; callers ask only where one is."""
        m = self.tok.search(self.text, pos)
        assert m is not None
        return m


def _spans(text: str, q: _Terms, tokens: _Tokens) -> list[_Span]:
    """Matched tokens of ``text``, merged into spans, in document order."""
    found: dict[int, tuple[int, tuple[str, ...]]] = {}  # token start -> (end, terms)
    memo = q.memo
    if q.keys is None:
        for m in tokens.tok.finditer(text):
            raw = m.group()
            terms = memo.get(raw)
            if terms is None:
                terms = _remember(q, raw)
            if terms:
                found[m.start()] = (m.end(), terms)
    else:
        for pos, s, e in _candidates(text, q):
            if s < 0:
                s, e = tokens.at(pos)
            if s in found:
                continue
            raw = text[s:e]
            terms = memo.get(raw)
            if terms is None:
                terms = _remember(q, raw)
            if terms:
                found[s] = (e, terms)
    if q.bound:
        found = _whole_only(text, found, q)
    spans: list[_Span] = []
    for s in sorted(found):
        e, terms = found[s]
        # Only spaces and one dash/dot/slash between: no token in between, so consecutive.
        if spans and _JOIN_RE.fullmatch(text, spans[-1].end, s):
            spans[-1].end = e
            spans[-1].terms.update(terms)
        else:
            spans.append(_Span(s, e, set(terms)))
    return spans


def _whole_only(text: str, found: dict[int, tuple[int, tuple[str, ...]]], q: _Terms
                ) -> dict[int, tuple[int, tuple[str, ...]]]:
    """``found`` without the syllables of whole words where those words do not stand whole
    (their syllables in order, only spaces or one dash/dot between)."""
    starts = sorted(found)
    kept: dict[int, set[str]] = {}
    for w in q.whole:
        n = len(w)
        for i in range(len(starts) - n + 1):
            run = starts[i:i + n]
            if all(w[k] in found[run[k]][1] for k in range(n)) and all(
                    _JOIN_RE.fullmatch(text, found[a][0], b) for a, b in pairwise(run)):
                for k, st in enumerate(run):
                    kept.setdefault(st, set()).add(w[k])
    out = {}
    for st, (e, terms) in found.items():
        left = tuple(t for t in terms if t not in q.bound or t in kept.get(st, ()))
        if left:
            out[st] = (e, left)
    return out


def _render(text: str, start: int, end: int, spans: list[_Span]) -> str:
    """HTML for ``text[start:end]``: everything escaped, spans (clipped) in <mark>."""
    chunk = text[start:end]
    if "&" in chunk or "<" in chunk or ">" in chunk or '"' in chunk or "'" in chunk:
        esc: Callable[[str], str] = html.escape
    else:
        esc = str  # nothing to escape: the slices as they are
    out: list[str] = []
    pos = start
    for sp in spans:
        s, e = sp.start, sp.end
        if e <= start:
            continue
        if s >= end:
            break  # spans are in order
        s, e = max(s, start), min(e, end)
        out += (esc(text[pos:s]), "<mark>", esc(text[s:e]), "</mark>")
        pos = e
    if not out:
        return esc(chunk)
    out.append(esc(text[pos:end]))
    return "".join(out)


def mark_text(text: str, exact: Collection[str], folded: Collection[str],
              whole: Whole = (), alone: Collection[str] = ()) -> str:
    """The whole text as escaped HTML with matches in <mark> (titles are short: no cutting);
    ``whole`` words only where they stand whole (see the module docstring)."""
    if not text:
        return ""
    q = _prepare(frozenset(exact), frozenset(folded), whole, frozenset(alone))
    return _render(text, 0, len(text), _spans(text, q, _Tokens(text)))


def _safe_cut(text: str, pos: int) -> int:
    """Move a cut point back so it does not split a base letter from its combining marks."""
    while 0 < pos < len(text) and unicodedata.combining(text[pos]):
        pos -= 1
    return pos


def _fragment(text: str, start: int, end: int, spans: list[_Span]) -> str:
    """One fragment's HTML, with an ellipsis where it does not reach the text's ends."""
    body = _render(text, start, end, spans)
    # A fragment ending its sentence needs no ellipsis (``Bắc Ninh.…`` reads as a typo).
    cut = end < len(text) and text[end - 1:end] not in SENTENCE_END
    return (ELLIPSIS if start > 0 else "") + body + (ELLIPSIS if cut else "")


def _head(text: str, tok: re.Pattern[str], size: int) -> tuple[int, int]:
    """The text's opening, cut after the last token that fits in ``size`` characters."""
    it = tok.finditer(text)
    first = next(it, None)
    if first is None:  # punctuation only: cut anywhere but inside a combining sequence
        end = min(len(text), size)
        return 0, _safe_cut(text, end) or end
    end = first.end()
    for m in it:
        if m.end() > size:
            return 0, end  # more tokens follow
        end = m.end()
    return 0, len(text)  # the last token fits


def _window(
    text: str, tokens: _Tokens, first_start: int, lo: int, hi: int, size: int
) -> tuple[int, int]:
    """Token-aligned [start, end) of about ``size`` chars around the spans [lo, hi)."""
    slack = max(0, size - (hi - lo))
    start = max(0, lo - slack // 2)
    end = max(start + size, hi)
    if end > len(text):
        end = len(text)
        start = max(0, min(start, end - size))
    # Snap inward to token boundaries; the matched spans stay inside by construction.
    # start: the first token start at or after it (lo at the latest).
    if start < lo:
        start = tokens.start_from(start)
    # end: the last token end at or before it (hi at the earliest); a search from a token's
    # end finds the real next token.
    last = hi
    more = False
    for m in tokens.tok.finditer(text, hi):
        if m.end() > end:
            more = True
            break
        last = m.end()
    end = last
    # A sentence's closing punctuation reads better kept than dropped.
    if end < len(text) and text[end] in ".!?…":
        end += 1
    # Only punctuation or spaces beyond the first/last token: take the text's real ends.
    if start <= first_start:
        start = 0
    if not more:
        end = len(text)
    return start, end


def snippets(
    text: str,
    exact: Collection[str],
    folded: Collection[str],
    fragment_chars: int = 180,
    max_fragments: int = 3,
    weak: Collection[str] = (),
    whole: Whole = (),
    alone: Collection[str] = (),
) -> list[str]:
    """Up to ``max_fragments`` escaped HTML fragments covering the most distinct matched terms.

    Greedy: the window with the most distinct terms first (earliest on ties), then windows
    that add terms not yet shown, none overlapping; returned in document order. Without any
    match, the text's opening is returned unmarked, so a result always has a preview.

    ``weak`` terms (the query's stopwords) are marked where they fall inside a fragment but
    do not choose fragments, unless nothing else matches: a window full of "của" and "là"
    tells the reader nothing, and skipping their many matches halves the work.
    """
    if not text or max_fragments <= 0:
        return []
    size = max(1, fragment_chars)
    alone = frozenset(alone)
    q = _prepare(frozenset(exact), frozenset(folded), whole, alone)
    tokens = _Tokens(text)
    spans: list[_Span] = []
    if weak:
        strong = _prepare(frozenset(t for t in exact if t not in weak),
                          frozenset(t for t in folded if t not in weak), whole, alone)
        spans = _spans(text, strong, tokens)
    if spans:
        chosen = _choose(text, tokens, spans, size, max_fragments)
        return [_fragment(text, s, e, _spans_between(text, s, e, q)) for s, e in chosen]
    spans = _spans(text, q, tokens)
    if not spans:
        start, end = _head(text, tokens.tok, size)
        return [_fragment(text, start, end, [])]
    return [_fragment(text, s, e, spans) for s, e in _choose(text, tokens, spans, size,
                                                             max_fragments)]


def _spans_between(text: str, start: int, end: int, q: _Terms) -> list[_Span]:
    """The spans of ``text[start:end]`` (token-aligned), in ``text``'s positions."""
    sub = text[start:end]
    return [_Span(sp.start + start, sp.end + start, sp.terms)
            for sp in _spans(sub, q, _Tokens(sub))]


def _choose(text: str, tokens: _Tokens, spans: list[_Span], size: int,
            max_fragments: int) -> list[tuple[int, int]]:
    """The fragments' [start, end), in document order (see ``snippets``)."""
    first = tokens.tok.search(text)
    first_start = first.start() if first is not None else 0

    # Candidate windows: one per span, reaching right over the spans that fit in ``size``.
    # Term sets are bitmasks (one bit per distinct term): this loop runs per hit shown.
    bits: dict[str, int] = {}
    masks = []
    for sp in spans:
        m = 0
        for t in sp.terms:
            m |= 1 << bits.setdefault(t, len(bits))
        masks.append(m)
    candidates: list[tuple[int, int, int]] = []  # (first span, last span, terms mask)
    j = 0
    for i, sp in enumerate(spans):
        j = max(j, i)
        while j + 1 < len(spans) and spans[j + 1].end - sp.start <= size:
            j += 1
        m = 0
        for k in range(i, j + 1):
            m |= masks[k]
        candidates.append((i, j, m))

    windows: dict[tuple[int, int], tuple[int, int]] = {}
    chosen: list[tuple[int, int]] = []
    covered = 0
    for _ in range(max(0, max_fragments)):
        best: tuple[int, int] | None = None
        best_gain = 0
        best_terms = 0
        for i, j, terms in candidates:
            gain = (terms & ~covered).bit_count()
            if gain <= best_gain:
                continue
            win = windows.get((i, j))
            if win is None:
                win = windows[i, j] = _window(
                    text, tokens, first_start, spans[i].start, spans[j].end, size
                )
            start, end = win
            if any(start < ce and cs < end for cs, ce in chosen):
                continue
            best, best_gain, best_terms = (start, end), gain, terms
        if best is None:
            break
        chosen.append(best)
        covered |= best_terms
    chosen.sort()
    return chosen
