"""Highlighted titles and snippets, cut from the original text.

Why it is built this way:
- Search results must show what the outlet printed: the text may be NFD, use the old tone
  placement (``hòa``) or any casing, so we never show the index's normalized or segmented
  (``phát_triển``) forms. We walk the original string with the analyzer's own ``TOKEN_RE``
  and decide per visible token whether it matches, so every output is a slice of the input.
- A syllable matches when its normalized form is an exact query term or its folded form is an
  accent-free query term, the same two ways the index matches.
- A hit inside a composite token (``KT-XH``, ``TP.HCM``) marks the whole visible token, and
  neighbouring hits merge (``<mark>Phong Thổ</mark>``), which reads better than mark soup.
- One regex pass plus dict look-ups per token keeps this linear; it runs for every hit shown.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Collection
from dataclasses import dataclass
from html import escape

from newssearch.analysis import _PART_RE, TOKEN_RE, fold, normalize

__all__ = ["mark_text", "snippets"]

ELLIPSIS = "…"
# What may stand between two matched tokens for them to share one <mark>.
_JOIN_RE = re.compile(r"[ \t\u00a0\u202f]*(?:[-./\u2013\u2014][ \t\u00a0\u202f]*)?")


@dataclass(slots=True)
class _Span:
    """A run of matched visible tokens: [start, end) in the original text, and its terms."""

    start: int
    end: int
    terms: set[str]


@dataclass(slots=True)
class _Scan:
    """Token boundaries and matched spans of one text, from a single regex pass."""

    starts: list[int]
    ends: list[int]
    spans: list[_Span]


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
    parts = _PART_RE.findall(raw)
    if len(parts) > 1:
        for part in parts:
            n = normalize(part)
            f = fold(n)
            if n in exact or f in folded:
                hits.append(f)
    return tuple(hits)


def _scan(text: str, exact: Collection[str], folded: Collection[str]) -> _Scan:
    """Walk ``text`` once: token boundaries, and matched tokens merged into spans."""
    exact = _as_set(exact)
    folded = _as_set(folded)
    memo: dict[str, tuple[str, ...]] = {}
    starts: list[int] = []
    ends: list[int] = []
    spans: list[_Span] = []
    last_hit = -2  # index of the last matched token
    for i, m in enumerate(TOKEN_RE.finditer(text)):
        s, e = m.span()
        starts.append(s)
        ends.append(e)
        raw = m.group()
        terms = memo.get(raw)
        if terms is None:
            terms = memo[raw] = _token_terms(raw, exact, folded)
        if not terms:
            continue
        if last_hit == i - 1 and _JOIN_RE.fullmatch(text, spans[-1].end, s):
            spans[-1].end = e
            spans[-1].terms.update(terms)
        else:
            spans.append(_Span(s, e, set(terms)))
        last_hit = i
    return _Scan(starts, ends, spans)


def _render(text: str, start: int, end: int, spans: list[_Span]) -> str:
    """HTML for ``text[start:end]``: everything escaped, spans (clipped) in <mark>."""
    out: list[str] = []
    pos = start
    for sp in spans:
        s, e = max(sp.start, start), min(sp.end, end)
        if s >= e:
            continue
        out.append(escape(text[pos:s], quote=True))
        out.append("<mark>")
        out.append(escape(text[s:e], quote=True))
        out.append("</mark>")
        pos = e
    out.append(escape(text[pos:end], quote=True))
    return "".join(out)


def mark_text(text: str, exact: Collection[str], folded: Collection[str]) -> str:
    """The whole text as escaped HTML with matches in <mark> (titles are short: no cutting)."""
    if not text:
        return ""
    return _render(text, 0, len(text), _scan(text, exact, folded).spans)


def _safe_cut(text: str, pos: int) -> int:
    """Move a cut point back so it does not split a base letter from its combining marks."""
    while 0 < pos < len(text) and unicodedata.combining(text[pos]):
        pos -= 1
    return pos


def _fragment(text: str, start: int, end: int, spans: list[_Span]) -> str:
    """One fragment's HTML, with an ellipsis where it does not reach the text's ends."""
    body = _render(text, start, end, spans)
    return (ELLIPSIS if start > 0 else "") + body + (ELLIPSIS if end < len(text) else "")


def _head(text: str, scan: _Scan, size: int) -> tuple[int, int]:
    """The text's opening, cut after the last token that fits in ``size`` characters."""
    if not scan.ends:  # punctuation only: cut anywhere but inside a combining sequence
        end = min(len(text), size)
        return 0, _safe_cut(text, end) or end
    k = bisect_right(scan.ends, size) - 1
    end = scan.ends[max(k, 0)]
    return 0, len(text) if end >= scan.ends[-1] else end


def _window(text: str, scan: _Scan, first: int, last: int, size: int) -> tuple[int, int]:
    """Token-aligned [start, end) of about ``size`` chars around spans first..last."""
    spans = scan.spans
    lo, hi = spans[first].start, spans[last].end
    slack = max(0, size - (hi - lo))
    start = max(0, lo - slack // 2)
    end = max(start + size, hi)
    if end > len(text):
        end = len(text)
        start = max(0, min(start, end - size))
    # Snap inward to token boundaries; the matched spans stay inside by construction.
    k = bisect_left(scan.starts, start)
    start = min(scan.starts[k] if k < len(scan.starts) else lo, lo)
    k = bisect_right(scan.ends, end) - 1
    end = max(scan.ends[k] if k >= 0 else hi, hi)
    # A sentence's closing punctuation reads better kept than dropped.
    if end < len(text) and text[end] in ".!?…":
        end += 1
    # Only punctuation or spaces beyond the first/last token: take the text's real ends.
    if start <= scan.starts[0]:
        start = 0
    if end >= scan.ends[-1]:
        end = len(text)
    return start, end


def snippets(
    text: str,
    exact: Collection[str],
    folded: Collection[str],
    fragment_chars: int = 180,
    max_fragments: int = 3,
) -> list[str]:
    """Up to ``max_fragments`` escaped HTML fragments covering the most distinct matched terms.

    Greedy: the window with the most distinct terms first (earliest on ties), then windows
    that add terms not yet shown, none overlapping; returned in document order. Without any
    match, the text's opening is returned unmarked, so a result always has a preview.
    """
    if not text:
        return []
    size = max(1, fragment_chars)
    scan = _scan(text, exact, folded)
    spans = scan.spans
    if not spans:
        start, end = _head(text, scan, size)
        return [_fragment(text, start, end, [])]

    # Candidate windows: one per span, reaching right over the spans that fit in ``size``.
    candidates: list[tuple[int, int, set[str]]] = []  # (first span, last span, terms)
    j = 0
    for i, sp in enumerate(spans):
        j = max(j, i)
        while j + 1 < len(spans) and spans[j + 1].end - sp.start <= size:
            j += 1
        terms: set[str] = set()
        for k in range(i, j + 1):
            terms |= spans[k].terms
        candidates.append((i, j, terms))

    chosen: list[tuple[int, int]] = []
    covered: set[str] = set()
    for _ in range(max(0, max_fragments)):
        best: tuple[int, int] | None = None
        best_gain = 0
        best_terms: set[str] = set()
        for i, j, terms in candidates:
            gain = len(terms - covered)
            if gain <= best_gain:
                continue
            start, end = _window(text, scan, i, j, size)
            if any(start < ce and cs < end for cs, ce in chosen):
                continue
            best, best_gain, best_terms = (start, end), gain, terms
        if best is None:
            break
        chosen.append(best)
        covered |= best_terms
    chosen.sort()
    return [_fragment(text, s, e, spans) for s, e in chosen]
