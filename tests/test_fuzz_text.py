"""Fuzzing the query parser and the analyzer with any Unicode a reader or a scrape can send.

The parser gives a ParsedQuery or a QueryError, never another exception; the analyzer never
raises and every token's offsets lie inside the text it was given (snippets slice with them).
"""

from __future__ import annotations

from fuzzing import examples
from hypothesis import example, given
from hypothesis import strategies as st

from newssearch.errors import QueryError
from newssearch.search.querylang import MAX_QUERY_CHARS, ParsedQuery, clean, parse
from newssearch.text.analysis import analyze, fold, normalize

# Characters that break naive text code: Vietnamese with precomposed and combining accents,
# RTL text and overrides, zero-width and control characters, NUL, emoji (astral plane),
# lone surrogates, and the query language's operators.
HOSTILE_CHARS = (
    "aăâđeêioôơuưyAĂÂĐEÊIOÔƠUƯY"
    "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
    "\u0300\u0301\u0303\u0309\u0323\u0302\u0306\u031b"  # combining marks, also alone
    "\u202e\u202d\u200f\u200e\u2066\u2069\u05d0\u05d1\u0627\u0644"  # RTL
    "\u200b\u200c\u200d\ufeff\u2028\u2029\x00\x01\x1b\x7f\x85\t\n\r "
    "😀👩‍👩‍👧🇻🇳\U0010ffff"
    "\ud800\udc00\udfff"  # lone surrogates (as a Python str can hold them)
    '"-:()*?_.,/\\<>&\'' + "ORtitle:tag:from:to:category:source:lead:body:author:"
)
hostile = st.text(alphabet=st.sampled_from(HOSTILE_CHARS), max_size=120)
any_text = st.one_of(
    hostile,
    st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=120),
    st.text(max_size=60),
)
# Query-shaped strings: words glued by operators, so prefixes, quotes and OR meet often.
query_words = st.lists(
    st.one_of(
        st.sampled_from(["phong", "thổ", "Phong Thổ", "OR", "-", '"', "-tag:", "title:",
                         "from:2020-01-01", "to:31/12/2019", "from:2020-13-45", "to:abc",
                         "category:", "source:x", '"hòa bình', "Lưu ý:", "http://x.vn",
                         "-5", "UBND", "lead:", "body:", "author:"]),
        hostile,
    ),
    max_size=12,
)
queries = st.one_of(query_words.map(" ".join), any_text)


@examples()
@given(queries)
@example("")
@example('"')
@example("-")
@example("OR OR OR")
@example('title:"')
@example("from:")
@example("from:2020-02-30")
@example("\x00" * 10)
@example("\ud800")
@example("a" * MAX_QUERY_CHARS)
@example("a" * (MAX_QUERY_CHARS + 1))
def test_parse_gives_a_query_or_a_query_error(q: str) -> None:
    try:
        pq = parse(q)
    except QueryError as e:
        assert str(e)
        return
    assert isinstance(pq, ParsedQuery)
    for c in pq.clauses:
        assert c.text and c.text == c.text.strip() or c.phrase
        assert "\x00" not in c.text
    assert clean(q) == clean(clean(q))


def _check_tokens(text: str) -> None:
    for t in analyze(text):
        assert 0 <= t.startchar < t.endchar <= len(text), (t, len(text))
        assert t.text  # (folded may be empty: a lone combining mark folds to nothing)
        if t.kind in ("syl", "comp"):
            assert normalize(text[t.startchar : t.endchar]) == t.text


@examples()
@given(any_text)
@example("\u0301")  # a combining mark with nothing to combine with
@example("\u0301\u0323a\u0300")
@example("\u202eHà Nội\u202c")
@example("Hà\u200bNội")
@example("\ud83d")  # half of an emoji
@example("A\ud800A")  # found: crfsuite raised SystemError on a lone surrogate between words
@example("ﬁ ǅ ß ẞ İ")  # case mappings that change length
@example("8.848 KT-XH TP.HCM 20,49")
def test_analyzer_offsets_stay_inside_the_text(text: str) -> None:
    _check_tokens(text)
    assert fold(text) == fold(fold(text))


@examples(0.005)
@given(st.sampled_from(HOSTILE_CHARS.replace("\n", "")), st.integers(1, 3))
def test_analyzer_takes_100kb_strings(ch: str, words_per_line: int) -> None:
    """100 KB of one hostile character, and 100 KB of Vietnamese sentences around it."""
    _check_tokens(ch * 100_000)
    line = " ".join(["Phong Thổ" + ch] * words_per_line) + ". "
    _check_tokens((line * (100_000 // len(line) + 1))[:100_000])
