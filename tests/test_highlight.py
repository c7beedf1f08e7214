"""Highlighting works on the original text: what the reader sees is what the outlet printed."""

from __future__ import annotations

import gzip
import html
import json
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import pytest

from newssearch.analysis import TOKEN_RE, fold, normalize
from newssearch.highlight import mark_text, snippets

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
        assert f.endswith("…") == (end < len(text))
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
