"""Highlighting works on the original text: what the reader sees is what the outlet printed."""

from __future__ import annotations

import gzip
import html
import json
import random
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

from newssearch.search import highlight
from newssearch.search.highlight import mark_text, snippets
from newssearch.text import skeleton
from newssearch.text.analysis import PART_RE, SYLLABLE, TOKEN_RE, fold, normalize

MARK_RE = re.compile(r"<mark>(.*?)</mark>", re.DOTALL)


def nfd(s: str) -> str:
    return unicodedata.normalize("NFD", s)


def query(words: str) -> tuple[set[str], set[str]]:
    """Exact and folded term sets for a query, as the search side builds them."""
    syls = [normalize(w) for w in TOKEN_RE.findall(words)]
    return set(syls), {fold(s) for s in syls}


def plain(fragment: str) -> str:
    """The original text of a fragment: marks and ellipses removed, entities unescaped."""
    body = fragment.replace("<mark>", "").replace("</mark>", "")
    return html.unescape(body.removeprefix("…").removesuffix("…"))


def marked(html_text: str) -> list[str]:
    return [html.unescape(m) for m in MARK_RE.findall(html_text)]


def assert_only_mark_tags(html_text: str) -> None:
    """No markup may leak from the text: the only tags are our own <mark> and </mark>."""
    rest = html_text.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in rest and ">" not in rest and '"' not in rest, rest[:200]


@pytest.fixture(scope="module")
def seed_text(shared_data: Path) -> str:
    path = shared_data / "raw_pages" / "seed_phong_tho.txt"
    if not path.is_file():
        pytest.skip(f"seed page missing: {path}")
    return path.read_text(encoding="utf-8")


# --- mark_text ---------------------------------------------------------------------------


def test_accent_free_terms_mark_phong_tho() -> None:
    exact, folded = query("phong tho")
    out = mark_text("Huyện Phong Thổ, tỉnh Lai Châu", exact, folded)
    assert out == "Huyện <mark>Phong Thổ</mark>, tỉnh Lai Châu"


def test_accent_free_terms_on_real_page(seed_text: str) -> None:
    exact, folded = query("phong tho lai chau")
    out = mark_text(seed_text, exact, folded)
    assert out.count("<mark>Phong Thổ</mark>") == seed_text.count("Phong Thổ")
    assert "<mark>Lai Châu</mark>" in out
    assert html.unescape(out.replace("<mark>", "").replace("</mark>", "")) == seed_text


def test_exact_terms_do_not_match_other_accents() -> None:
    """An exact-only term (no folded twin) must not light up other words with the same letters."""
    out = mark_text("Đảng bộ huyện, tin đăng lúc 9 giờ", {"đảng"}, set())
    assert marked(out) == ["Đảng"]


def test_nfd_text_keeps_original_characters() -> None:
    text = nfd("Đảng bộ huyện Phong Thổ đã hoàn thành")
    out = mark_text(text, {normalize("đảng")}, {"tho", "phong"})
    # Marked pieces are the exact original (NFD) slices, not a re-normalized copy.
    first, second = nfd("Đảng"), nfd("Phong Thổ")
    assert marked(out) == [first, second]
    at = text.index(second)
    assert text[: len(first)] == first and text[at : at + len(second)] == second
    assert first != "Đảng"  # really decomposed input, still returned as given
    assert html.unescape(out.replace("<mark>", "").replace("</mark>", "")) == text


def test_old_tone_placement_matches_normalized_term() -> None:
    text = "Giải pháp hòa bình cho khu vực, Thủy điện Hòa Bình"
    out = mark_text(text, {normalize("hoà")}, set())
    assert marked(out) == ["hòa", "Hòa"]
    assert "<mark>hòa</mark> bình" in out  # the original spelling, not "hoà"


def test_partial_composite_marks_whole_token() -> None:
    out = mark_text("Các mục tiêu KT-XH nhiệm kỳ 2020 – 2025 của TP.HCM", {"kt"}, {"hcm"})
    assert marked(out) == ["KT-XH", "TP.HCM"]
    assert "<mark>KT-XH</mark> nhiệm kỳ" in out


def test_adjacent_matches_merge() -> None:
    exact, folded = query("phong thổ lai châu")
    out = mark_text("Phong Thổ - Lai Châu; Phong và Thổ", exact, folded)
    # Joined by spaces or " - ": one mark; a non-matching word in between: separate marks.
    assert marked(out) == ["Phong Thổ - Lai Châu", "Phong", "Thổ"]
    assert out.count("<mark>") == 3


def test_script_is_escaped() -> None:
    text = 'Tin mới <script>alert("x")</script> & "trích dẫn" của UBND'
    out = mark_text(text, {"alert", "ubnd"}, set())
    assert "&lt;script&gt;<mark>alert</mark>(&quot;x&quot;)&lt;/script&gt;" in out
    assert "&amp;" in out
    assert_only_mark_tags(out)


def test_terms_may_be_any_collection() -> None:
    assert mark_text("Hà Nội", ["hà"], ("noi",)) == "<mark>Hà Nội</mark>"
    assert mark_text("", {"x"}, {"x"}) == ""


# --- snippets ----------------------------------------------------------------------------


def test_snippets_on_real_page(seed_text: str) -> None:
    exact, folded = query("phong tho lai chau")
    frags = snippets(seed_text, exact, folded, fragment_chars=180)
    assert 1 <= len(frags) <= 3
    assert "<mark>Phong Thổ</mark>" in frags[0]
    assert any("<mark>Lai Châu</mark>" in f for f in frags)
    for f in frags:
        assert "phong_thổ" not in f.lower() and "_" not in plain(f)
        assert_only_mark_tags(f)


def test_fragment_length_respected(seed_text: str) -> None:
    exact, folded = query("đảng viên chi bộ nhiệm kỳ")
    for size in (80, 180, 300):
        frags = snippets(seed_text, exact, folded, fragment_chars=size, max_fragments=3)
        assert frags
        for f in frags:
            n = len(plain(f))
            # Cut on token boundaries inside the window (plus a closing full stop).
            assert size * 0.5 <= n <= size + 1, (size, n, f)


def test_fragments_are_slices_in_document_order(seed_text: str) -> None:
    text = nfd(seed_text)  # decomposed input: cuts must not split letters from their marks
    exact, folded = query("Lai Châu đảng viên học tập nông thôn mới")
    frags = snippets(text, exact, folded, fragment_chars=120, max_fragments=3)
    assert len(frags) >= 2
    pos = -1
    for f in frags:
        p = plain(f)
        at = text.find(p, pos + 1)
        assert at > pos, f  # a real slice of the original, after the previous fragment
        end = at + len(p)
        assert not unicodedata.combining(text[at])
        assert at == 0 or not TOKEN_RE.match(text[at - 1] + text[at])  # not mid-token
        assert end == len(text) or not unicodedata.combining(text[end])
        assert f.startswith("…") == (at > 0)
        assert f.endswith("…") == (end < len(text) and text[end - 1] not in ".!?…")
        pos = at


def test_greedy_prefers_new_terms() -> None:
    filler = " ".join(["lorem"] * 60)
    text = f"alpha mở đầu alpha {filler} alpha nữa {filler} beta gamma ở cuối {filler} kết"
    exact, folded = query("alpha beta gamma")
    frags = snippets(text, exact, folded, fragment_chars=60, max_fragments=3)
    # Best window (beta+gamma) plus one alpha window; the repeated alpha adds nothing new.
    assert len(frags) == 2
    assert "<mark>alpha</mark>" in frags[0] and frags[0].startswith("<mark>alpha")
    assert "<mark>beta gamma</mark>" in frags[1]
    one = snippets(text, exact, folded, fragment_chars=60, max_fragments=1)
    assert len(one) == 1 and "beta gamma" in one[0]


def test_ties_prefer_earlier_window() -> None:
    filler = " ".join(["lorem"] * 60)
    text = f"{filler} alpha {filler} alpha {filler}"
    frags = snippets(text, {"alpha"}, set(), fragment_chars=50, max_fragments=3)
    assert len(frags) == 1
    assert text.index("alpha") < len(text) // 2
    assert text.find(plain(frags[0])) < text.index("alpha")  # the first occurrence


def test_no_match_fallback(seed_text: str) -> None:
    frags = snippets(seed_text, {"xyzzy"}, {"xyzzy"}, fragment_chars=100)
    assert len(frags) == 1
    assert "<mark>" not in frags[0]
    assert frags[0].endswith("…") and not frags[0].startswith("…")
    assert seed_text.startswith(plain(frags[0]))
    assert 50 <= len(plain(frags[0])) <= 100


def test_short_text_and_empty() -> None:
    assert snippets("", {"a"}, {"a"}) == []
    assert snippets("Hà Nội mưa to.", {"mưa"}, set()) == ["Hà Nội <mark>mưa</mark> to."]
    assert snippets("Hà Nội mưa to.", set(), set()) == ["Hà Nội mưa to."]


def test_snippets_escape_script() -> None:
    text = "Mở đầu bài. " * 20 + '<script>alert("x")</script> cảnh báo ' + "Đoạn kết. " * 20
    frags = snippets(text, {"cảnh", "báo"}, set(), fragment_chars=80)
    joined = "".join(frags)
    assert "&lt;script&gt;" in joined and "<script>" not in joined
    assert "<mark>cảnh báo</mark>" in joined
    for f in frags:
        assert_only_mark_tags(f)


def _dantri_records(shared_data: Path, limit: int) -> Iterable[dict]:
    path = shared_data / "corpus_dantri.jsonl.gz"
    if not path.is_file():
        pytest.skip(f"corpus missing: {path}")
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if i >= limit:
                break
            yield json.loads(line)


def test_corpus_output_is_safe_html(shared_data: Path) -> None:
    """Over real articles (with markup-looking text injected): only <mark> tags come out."""
    exact, folded = query("doanh nghiệp TPHCM thuế giáo dục bóng đá")
    seen_marks = 0
    for rec in _dantri_records(shared_data, 120):
        body = rec["body"] + ' <img src=x onerror="alert(1)"> & <b>doanh nghiệp</b>'
        for out in [mark_text(rec["title"], exact, folded), *snippets(body, exact, folded)]:
            assert_only_mark_tags(out)
            seen_marks += out.count("<mark>")
        frags = snippets(body, exact, folded)
        assert frags
        pos = -1
        for f in frags:
            at = body.find(plain(f), pos + 1)
            assert at > pos
            pos = at
    assert seen_marks > 100


def test_compound_terms_mark_their_syllables() -> None:
    """The index's ``phát_triển`` form never shows; its visible syllables get marked."""
    out = mark_text("Phát triển kinh tế", {"phát_triển"}, {"kinh_te"})
    assert out == "<mark>Phát triển kinh tế</mark>"


# --- the fast implementation against a straightforward reference ---------------------------
# The reference is the first implementation, kept as it was: every token of the text walked in
# Python and checked on its own. ``mark_text``/``snippets`` must give identical output.


def _ref_as_set(terms) -> set[str]:
    out = set(terms)
    for t in terms:
        if "_" in t or " " in t:
            out.update(p for p in re.split(r"[_ ]+", t) if p)
    return out


@dataclass(slots=True)
class _RefSpan:
    start: int
    end: int
    terms: set[str]


def _ref_scan(text: str, exact, folded) -> tuple[list[int], list[int], list[_RefSpan]]:
    exact, folded = _ref_as_set(exact), _ref_as_set(folded)
    join_re = re.compile(r"[ \t\u00a0\u202f]*(?:[-./\u2013\u2014][ \t\u00a0\u202f]*)?")
    starts: list[int] = []
    ends: list[int] = []
    spans: list[_RefSpan] = []
    last_hit = -2
    for i, m in enumerate(TOKEN_RE.finditer(text)):
        s, e = m.span()
        starts.append(s)
        ends.append(e)
        raw = m.group()
        hits = []
        whole = normalize(raw)
        if whole in exact or fold(whole) in folded:
            hits.append(fold(whole))
        parts = PART_RE.findall(raw)
        if len(parts) > 1:
            for part in parts:
                n = normalize(part)
                if n in exact or fold(n) in folded:
                    hits.append(fold(n))
        if not hits:
            continue
        if last_hit == i - 1 and join_re.fullmatch(text, spans[-1].end, s):
            spans[-1].end = e
            spans[-1].terms.update(hits)
        else:
            spans.append(_RefSpan(s, e, set(hits)))
        last_hit = i
    return starts, ends, spans


def _ref_render(text: str, start: int, end: int, spans: list[_RefSpan]) -> str:
    out: list[str] = []
    pos = start
    for sp in spans:
        s, e = max(sp.start, start), min(sp.end, end)
        if s >= e:
            continue
        out += [html.escape(text[pos:s]), "<mark>", html.escape(text[s:e]), "</mark>"]
        pos = e
    out.append(html.escape(text[pos:end]))
    return "".join(out)


def ref_mark_text(text: str, exact, folded) -> str:
    return _ref_render(text, 0, len(text), _ref_scan(text, exact, folded)[2]) if text else ""


def ref_snippets(text: str, exact, folded, fragment_chars=180, max_fragments=3) -> list[str]:
    if not text:
        return []
    size = max(1, fragment_chars)
    starts, ends, spans = _ref_scan(text, exact, folded)

    def fragment(start: int, end: int, spans: list[_RefSpan]) -> str:
        body = _ref_render(text, start, end, spans)
        cut = end < len(text) and text[end - 1] not in ".!?…"
        return ("…" if start > 0 else "") + body + ("…" if cut else "")

    if not spans:
        if not ends:
            end = min(len(text), size)
            cut = end
            while 0 < cut < len(text) and unicodedata.combining(text[cut]):
                cut -= 1
            return [fragment(0, cut or end, [])]
        k = bisect_right(ends, size) - 1
        end = ends[max(k, 0)]
        return [fragment(0, len(text) if end >= ends[-1] else end, [])]

    def window(first: int, last: int) -> tuple[int, int]:
        lo, hi = spans[first].start, spans[last].end
        slack = max(0, size - (hi - lo))
        start = max(0, lo - slack // 2)
        end = max(start + size, hi)
        if end > len(text):
            end = len(text)
            start = max(0, min(start, end - size))
        k = bisect_left(starts, start)
        start = min(starts[k] if k < len(starts) else lo, lo)
        k = bisect_right(ends, end) - 1
        end = max(ends[k] if k >= 0 else hi, hi)
        if end < len(text) and text[end] in ".!?…":
            end += 1
        if start <= starts[0]:
            start = 0
        if end >= ends[-1]:
            end = len(text)
        return start, end

    candidates = []
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
        best, best_gain, best_terms = None, 0, set()
        for i, j, terms in candidates:
            gain = len(terms - covered)
            if gain <= best_gain:
                continue
            start, end = window(i, j)
            if any(start < ce and cs < end for cs, ce in chosen):
                continue
            best, best_gain, best_terms = (start, end), gain, terms
        if best is None:
            break
        chosen.append(best)
        covered |= best_terms
    chosen.sort()
    return [fragment(s, e, spans) for s, e in chosen]


def _term_sets(title: str, body: str, rng: random.Random) -> list[tuple[set[str], set[str]]]:
    """Varied queries for one article: exact only, folded only, both, composites, compounds,
    terms no token has, a non-Latin term (the full-walk path), nothing at all."""
    t_syls = [normalize(s) for s in PART_RE.findall(title)] or ["x"]
    b_toks = TOKEN_RE.findall(body)
    b_syls = [normalize(s) for s in PART_RE.findall(body)] or ["x"]
    comps = [normalize(t) for t in b_toks if not PART_RE.fullmatch(t)]
    pick = rng.sample(t_syls, min(3, len(t_syls)))
    more = rng.sample(b_syls, min(4, len(b_syls)))
    sets = [
        (set(pick), set()),
        (set(), {fold(s) for s in pick}),
        (set(pick[:2]), {fold(s) for s in more}),
        ({"kt", "tp.hcm"}, {"hcm", "xh", "ubnd"}),
        ({"_".join(more[:2]), "hoà"}, {fold(more[-1]) + " " + "hoa"}),
        ({"xyzzy"}, {"qqq"}),
        (set(), set()),
        (set(pick) | {"m²"}, {"σ"}),
    ]
    if comps:
        c = rng.choice(comps)
        parts = [normalize(p) for p in PART_RE.findall(c)]
        sets.append(({c}, set()))
        sets.append((set(), {fold(c)}))
        sets.append(({parts[0]}, {fold(parts[-1])}))
    return sets


def _corpus_articles(shared_data: Path, per_corpus: int) -> list[tuple[str, str]]:
    out = []
    for name in ("corpus_vietnews.jsonl.gz", "corpus_baomoi.jsonl.gz"):
        path = shared_data / name
        if not path.is_file():
            pytest.skip(f"corpus missing: {path}")
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for _, line in zip(range(per_corpus), fh):
                rec = json.loads(line)
                lead = rec.get("lead") or ""
                body = "\n".join([lead, *(rec.get("captions") or []), rec["body"]])
                out.append((rec["title"], body))
    return out


def _assert_same(text: str, exact, folded, sizes=((180, 3),)) -> None:
    assert mark_text(text, exact, folded) == ref_mark_text(text, exact, folded), (text, exact)
    for size, frags in sizes:
        got = snippets(text, exact, folded, size, frags)
        assert got == ref_snippets(text, exact, folded, size, frags), (exact, folded, size)


@pytest.mark.heavy
def test_matches_reference_on_corpus(shared_data: Path) -> None:
    """~200 real articles (about 1 in 20 NFD), with NFD variants and varied queries."""
    rng = random.Random(0)
    other = ((40, 3), (300, 1), (1000, 2), (80, 1))
    for i, (title, body) in enumerate(_corpus_articles(shared_data, 100)):
        variants = (title, body), (nfd(title), nfd(body))
        for t, b in variants if i % 4 == 0 else variants[:1]:
            for k, (exact, folded) in enumerate(_term_sets(title, body, rng)):
                if (i + k) % 2:
                    continue  # each query kind on every other article
                sizes = ((180, 3), other[(i + k) // 2 % len(other)])
                _assert_same(t, exact, folded)
                _assert_same(b[:300], exact, folded, sizes[1:])
                _assert_same(b, exact, folded, sizes)


# Characters that stress the skeleton search: combining marks (tones, others, the grapheme
# joiner U+034F that folds to itself), letters whose case or decomposition is unusual (İ,
# Kelvin K, Ångström Å, final sigma, ß, ²), joiners and merge separators, underscore, CJK,
# emoji, a lone surrogate, HTML specials, and plenty of plain and Vietnamese letters.
_FUZZ_CHARS = (
    list("aaoouetdhnlcgikmrsvyADHOTU0123456789")
    + list("àáảãạăắằẳẵặâấầẩẫậđĐèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ")
    + list("ÀÁẢÃẠÔỐỒỔỖỘƠỚỜỞỠỢƯỨỪỬỮỰ")
    + ["\u0300", "\u0301", "\u0303", "\u0309", "\u0323", "\u0302", "\u0306", "\u031b"]
    + ["\u034f", "\u0345", "\u1dc4", "İ", "\u212a", "\u212b", "Σ", "σ", "ß", "²", "ǆ", "ﬁ"]
    + list(".,-.,-_/–—") + [" "] * 12 + ["\n", "\t", "\u00a0", "\u202f"]
    + ["中", "文", "😀", "\ud800", "&", "<", '"', "'", "!", "?", "…"]
)


_FUZZ_NO_MARKS = [c for c in _FUZZ_CHARS if not "\u0300" <= c <= "\u036f"]


def _fuzz_text(rng: random.Random, n: int, marks: bool) -> str:
    return "".join(rng.choice(_FUZZ_CHARS if marks else _FUZZ_NO_MARKS) for _ in range(n))


def test_matches_reference_on_fuzzed_text() -> None:
    rng = random.Random(2)
    for round_ in range(600):
        # With combining marks the skeleton drops characters, without it maps one to one.
        text = _fuzz_text(rng, rng.choice((30, 120, 500, 1500)), marks=round_ % 2 == 0)
        toks = TOKEN_RE.findall(text) or ["a"]
        parts = PART_RE.findall(text) or ["a"]
        pool = [normalize(t) for t in toks + parts]
        pool += [fold(p) for p in pool] + ["a", "o", "d", "tho", "a-a", "a.o", "i", "k", "ss"]
        exact = set(rng.sample(pool, min(len(pool), rng.randint(0, 4))))
        folded = {fold(t) for t in rng.sample(pool, min(len(pool), rng.randint(0, 4)))}
        if round_ % 3 == 0:
            folded |= set(rng.sample(pool, min(len(pool), 2)))  # not fold's own output
        _assert_same(text, exact, folded, ((40, 3), (120, 2)))


@pytest.mark.parametrize(
    "piece",
    [
        "中tho", "tho中", "😀tho", "tho😀", "中.tho", "tho.中", "tho-文", "a.tho", "tho.a", "tho.",
        ".tho", "tho-", "-tho", "tho..x", "x.-tho", "tho,\u0301 x", "x \u0301,tho", "\u0301tho",
        "tho\u0301", "x\u0301tho", "tho\u0301x", "\u0301.tho", "tho.\u0301", "tho_x", "x_tho",
        "KT-XH", "TP.HCM", "tp.hcm.", "xh-kt", "İtho", "\u212atho", "th\u034fo", "thọ-2020",
    ],
)
def test_matches_reference_next_to_joiners_marks_and_unusual_characters(piece: str) -> None:
    """Where a match meets a joiner, a combining mark or a character the skeleton does not
    know (``?``), the token must still be the analyzer's, in texts with and without NFD."""
    terms = [
        ({"tho", "kt", "hcm"}, set()),
        (set(), {"tho", "xh", "x"}),
        ({"kt-xh", "thọ"}, {"tp.hcm", "2020"}),
    ]
    filler = "Lorem ipsum dolor. " * 15  # long texts take the regex search, short ones find()
    texts = [piece, f"Mở đầu {piece} và cuối", f"Mở đầu {piece} và cuối " + nfd("Thổ")]
    texts += [filler + t + filler for t in texts]
    for text in texts:
        for exact, folded in terms:
            _assert_same(text, exact, folded, ((40, 3),))


def test_matches_reference_without_spaces() -> None:
    """Long stretches without a space or newline: token bounds come from a full tokenization."""
    rng = random.Random(3)
    words = ["Thổ", "thơ", "KT-XH", "TP.HCM", "2.020", "hoà", "hòa", "x", nfd("Thổ"), "中"]
    for sep in (";", "/", "|", "\t"):
        text = sep.join(rng.choice(words) for _ in range(400))
        for exact, folded in (({"thổ", "kt"}, {"hcm", "tho"}), ({"hoà"}, set()), (set(), {"x"})):
            _assert_same(text, exact, folded, ((40, 3), (180, 2)))
            _assert_same("Mở đầu bài. " + text, exact, folded, ((60, 3),))
        filler = ["lorem", "ipsum", "dolor"] * 150
        for at, word in ((150, "Thổ"), (250, "KT-XH"), (350, "hòa")):
            filler[at] = word
        text = sep.join(filler)
        _assert_same(text, {"thổ", "kt", "hoà"}, set(), ((40, 3), (90, 2)))


def test_skeleton_table_covers_all_of_unicode() -> None:
    """No character from the scan limit on folds to ASCII or to nothing, nor is a joiner, so
    the table's catch-all last entry ("?", a boundary that is checked) hides no spelling."""
    full = skeleton.fold_lut.__wrapped__(0x110000)
    short = skeleton.fold_lut()
    assert full is not None and short is not None
    limit = skeleton.FOLD_SCAN_LIMIT
    assert (full[:limit] == short[:limit]).all() and short[limit] == ord("?")
    assert set(full[limit:-1].tobytes()) <= set(b" #")


def test_token_re_is_what_the_fast_paths_assume() -> None:
    """highlight.py's skeleton search and fast tokenizer assume this token shape;
    if the analyzer's changes, they need revisiting (the reference tests would then fail too)."""
    syl = r"(?:[^\W_]|[\u0300-\u036f])+"
    assert SYLLABLE == PART_RE.pattern == syl
    assert TOKEN_RE.pattern == rf"{syl}(?:[.,\-]{syl})*"
    assert highlight._TOKEN_FAST.pattern == r"[\w\u0300-\u036f]+(?:[.,\-][\w\u0300-\u036f]+)*"


# ------------------------------------------------------------------ find_folded
@pytest.mark.parametrize("form", ["NFC", "NFD"])
def test_find_folded_returns_the_texts_own_spelling(form):
    from newssearch.text.skeleton import find_folded

    text = unicodedata.normalize(form, "Huyện Phong Thổ, tỉnh Lai Châu: PHONG-THỔ đón khách.")
    assert find_folded(text, ["phong", "tho"]) == unicodedata.normalize(form, "Phong Thổ")
    assert find_folded(text, ["tho", "tinh", "lai"]) == unicodedata.normalize(form, "Thổ, tỉnh Lai")
    assert find_folded(text, ["chau"]) == unicodedata.normalize(form, "Châu")
    assert find_folded(text, ["khach"]) == unicodedata.normalize(form, "khách")
    assert find_folded(text, ["ong"]) is None  # not a whole syllable of "Phong"
    assert find_folded(text, ["tho", "phong"]) is None  # order matters
    assert find_folded("", ["phong"]) is None


def test_find_folded_agrees_with_the_character_walk_on_real_text(sample_articles):
    from newssearch.text.analysis import analyze
    from newssearch.text.skeleton import find_folded, find_folded_walk

    checked = 0
    for a in sample_articles:
        for text in (a.title, a.lead or ""):
            syls = [t.folded for t in analyze(text, words=False) if t.kind == "syl"]
            for i in range(0, max(0, len(syls) - 2), 3):
                want = syls[i:i + 2]
                got = find_folded(text, want)
                assert got == find_folded_walk(text, want), (text, want)
                assert got is not None
                checked += 1
    assert checked > 1000


# ------------------------------------------------------------------ weak terms
def test_weak_terms_are_marked_but_do_not_choose_the_fragment() -> None:
    filler = " ".join(["Trời hôm nay nắng đẹp."] * 12)
    text = f"Đó là quà của mẹ và bố. {filler} Ruộng bậc thang ở Lai Châu và Hà Giang."
    exact = {"là", "của", "và", "lai"}
    plain_pick = snippets(text, exact, set(), fragment_chars=60, max_fragments=1)
    assert "<mark>của</mark>" in plain_pick[0]  # three distinct terms beat one
    picked = snippets(text, exact, set(), fragment_chars=60, max_fragments=1,
                      weak={"là", "của", "và"})
    assert len(picked) == 1 and "<mark>Lai</mark>" in picked[0]
    assert "<mark>và</mark>" in picked[0]  # still marked inside the chosen fragment
    # Only weak terms match: they choose after all.
    only = snippets(text, {"là", "của"}, set(), fragment_chars=60, max_fragments=1,
                    weak={"là", "của"})
    assert "<mark>của</mark>" in only[0]


# ------------------------------------------------------------------ words marked whole
def test_a_whole_word_is_marked_only_where_it_stands_whole():
    text = "Trường trung học đón học sinh mới; lớp học sinh động, vệ sinh sạch."
    got = mark_text(text, set(), {"hoc", "sinh"}, (("hoc", "sinh"),))
    assert MARK_RE.findall(got) == ["học sinh", "học sinh"]
    # A syllable the query also has on its own is marked anywhere.
    got = mark_text(text, set(), {"hoc", "sinh"}, (("hoc", "sinh"),), {"hoc"})
    assert MARK_RE.findall(got) == ["học", "học sinh", "học sinh"]
    # Without whole words every syllable is marked, as before.
    assert len(MARK_RE.findall(mark_text(text, set(), {"hoc", "sinh"}))) == 4


def test_snippets_mark_whole_words_in_real_articles(sample_articles):
    whole = (("hoc", "sinh"),)
    seen = 0
    for a in sample_articles:
        body = "\n".join([a.lead, *a.body])
        for frag in snippets(body, set(), {"hoc", "sinh"}, 180, 3, (), whole):
            for m in MARK_RE.findall(frag):
                seen += 1
                assert fold(normalize(m)) == "hoc sinh", (a.id, frag)
    assert seen > 10


def test_a_fragment_ending_its_sentence_has_no_ellipsis():
    text = ("Mưa lớn gây ngập nhiều tuyến phố ở Bắc Ninh. " * 3) + "Chiều nay trời tạnh hẳn."
    frags = snippets(text, set(), {"bac", "ninh"}, 60, 1)
    assert frags[0].endswith("<mark>Bắc Ninh</mark>.") and not frags[0].endswith(".…")
