"""The reader's query language: every feature of ``parse``, and lenient handling of odd input.

Any string gives a ParsedQuery or a QueryError with a message for the reader, never another
exception.
"""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest

from newssearch.errors import QueryError
from newssearch.search.querylang import (
    MAX_QUERY_CHARS,
    Clause,
    ParsedQuery,
    clean,
    parse,
    parse_date,
)


def texts(pq: ParsedQuery) -> list[str]:
    return [c.text for c in pq.clauses]


# ------------------------------------------------------------------------- features
def test_plain_words_are_separate_positive_clauses():
    pq = parse("phong thổ lai châu")
    assert texts(pq) == ["phong", "thổ", "lai", "châu"]
    assert all(not c.negated and not c.phrase and c.field is None for c in pq.clauses)
    assert len({c.group for c in pq.clauses}) == 4  # no OR: each clause its own group
    assert pq.positive == pq.clauses
    assert (pq.tags, pq.categories, pq.sources) == ([], [], [])
    assert pq.date_from is None and pq.date_to is None


def test_phrase_keeps_its_words_together():
    pq = parse('"bóng đá" Việt Nam')
    assert pq.clauses[0] == Clause(text="bóng đá", phrase=True, field=None, negated=False,
                                   group=pq.clauses[0].group)
    assert texts(pq) == ["bóng đá", "Việt", "Nam"]
    assert [c.phrase for c in pq.clauses] == [True, False, False]


def test_exclusion_of_word_and_phrase():
    pq = parse('bóng -đá -"giải trí"')
    assert [(c.text, c.negated, c.phrase) for c in pq.clauses] == [
        ("bóng", False, False), ("đá", True, False), ("giải trí", True, True)]
    assert [c.text for c in pq.positive] == ["bóng"]


def test_or_joins_neighbouring_clauses_into_one_group():
    pq = parse('Hà Nội OR "Sài Gòn" OR Huế du lịch')
    groups = [c.group for c in pq.clauses]
    assert texts(pq) == ["Hà", "Nội", "Sài Gòn", "Huế", "du", "lịch"]
    # "Nội" OR "Sài Gòn" OR "Huế" share a group; the others stand alone.
    assert groups[1] == groups[2] == groups[3]
    assert len({groups[0], groups[1], groups[4], groups[5]}) == 4


def test_lowercase_or_is_a_word():
    assert texts(parse("a or b")) == ["a", "or", "b"]
    assert len({c.group for c in parse("a or b").clauses}) == 3


@pytest.mark.parametrize("fld", ["title", "lead", "body", "author"])
def test_text_field_prefixes(fld):
    pq = parse(f'{fld}:Phong {fld}:"Lai Châu" -{fld}:bão')
    assert [(c.text, c.field, c.phrase, c.negated) for c in pq.clauses] == [
        ("Phong", fld, False, False), ("Lai Châu", fld, True, False), ("bão", fld, False, True)]


def test_field_prefix_is_case_insensitive():
    assert parse("TITLE:bóng").clauses[0].field == "title"
    assert parse('Title:"bóng đá"').clauses[0].field == "title"


def test_filter_prefixes_become_filters_not_clauses():
    pq = parse('tag:"an ninh mạng" tag:Zorbaland category:"Thể thao" source:dantri.com.vn bão')
    assert pq.tags == ["an ninh mạng", "Zorbaland"]
    assert pq.categories == ["Thể thao"]
    assert pq.sources == ["dantri.com.vn"]
    assert texts(pq) == ["bão"]


@pytest.mark.parametrize(
    "q, expected",
    [
        ("from:2020-10-25", date(2020, 10, 25)),
        ("from:25/10/2020", date(2020, 10, 25)),
        ("from:2021-5-1", date(2021, 5, 1)),
        ("from:1/5/2021", date(2021, 5, 1)),
    ],
)
def test_from_date_both_formats(q, expected):
    pq = parse(q)
    assert pq.date_from == expected and pq.date_to is None
    assert pq.clauses == []


def test_from_and_to_together():
    pq = parse("bão from:2020-10-01 to:31/10/2020")
    assert (pq.date_from, pq.date_to) == (date(2020, 10, 1), date(2020, 10, 31))
    assert texts(pq) == ["bão"]


@pytest.mark.parametrize("bad", ["from:bad-date", "to:2021-13-01", "from:31/02/2021",
                                 "to:2020/10/25", "from:20201025", "to:yesterday"])
def test_bad_dates_are_query_errors_with_a_message(bad):
    with pytest.raises(QueryError) as ei:
        parse(bad)
    msg = str(ei.value)
    assert "expects a date like" in msg and bad.split(":", 1)[1] in msg
    assert msg.startswith(bad.split(":")[0] + ":")


def test_parse_date_helper():
    assert parse_date(" 2020-10-25 ") == date(2020, 10, 25)
    assert parse_date("25/10/2020", "--from") == date(2020, 10, 25)
    with pytest.raises(QueryError, match="--to"):
        parse_date("25-10", "--to")


# ------------------------------------------------------------------------- leniency
def test_unbalanced_quote_runs_to_the_end():
    pq = parse('"bóng đá việt')
    assert [(c.text, c.phrase) for c in pq.clauses] == [("bóng đá việt", True)]
    pq = parse('bóng đá"')
    assert texts(pq) == ["bóng", "đá"]


@pytest.mark.parametrize("q", ["-", "--", "- -", "OR", "OR OR", '"', '""', "- \"", "",
                               "   ", "\t\n", "!!!", "...", "-\"\""])
def test_operators_or_punctuation_alone_give_no_clauses(q):
    pq = parse(q)
    assert pq.clauses == [] and pq.tags == [] and pq.date_from is None


def test_lone_or_at_either_end_is_ignored():
    assert [(c.text, c.negated) for c in parse("-OR").clauses] == [("OR", True)]  # a word
    assert texts(parse("bão OR")) == ["bão"]
    assert texts(parse("OR bão")) == ["bão"]
    pq = parse("OR bão OR")
    assert texts(pq) == ["bão"] and not pq.clauses[0].negated


def test_minus_number_is_a_number_not_an_exclusion():
    pq = parse("nhiệt độ -5")
    assert pq.clauses[-1].text == "-5" and not pq.clauses[-1].negated
    assert parse("-5.000").clauses[0].text == "-5.000"
    assert parse("-2,5").clauses[0].negated is False
    assert parse("-5a").clauses[0].negated is True  # not a number: an exclusion


@pytest.mark.parametrize(
    "q, text",
    [
        ("Lưu ý:", "Lưu ý:"),  # "ý:" is no known prefix: stays text
        ("http://x", "http://x"),
        ("https://dantri.com.vn/a.htm", "https://dantri.com.vn/a.htm"),
        ("foo:bar", "foo:bar"),
        ('foo:"a b"', 'foo:"a b"'),
        ("mailto:ai@x.vn", "mailto:ai@x.vn"),
    ],
)
def test_unknown_prefixes_are_plain_text(q, text):
    pq = parse(q)
    assert " ".join(texts(pq)) == text
    assert all(c.field is None and not c.phrase for c in pq.clauses)
    assert pq.tags == [] and pq.sources == [] and pq.date_from is None


def test_empty_prefix_is_text_or_dropped():
    # "title:" alone has no value: it is read as the word "title:".
    assert texts(parse("title:")) == ["title:"]
    assert parse("tag:").tags == []
    pq = parse('tag:"" category:"  " source:""')
    assert (pq.tags, pq.categories, pq.sources, pq.clauses) == ([], [], [], [])


def test_control_and_zero_width_characters_are_removed():
    pq = parse("phong\u200bthổ\x00 lai\u00adchâu\ufeff \u202ebão\u200d")
    assert all(not any(ch in c.text for ch in "\u200b\x00\ufeff\u202e\u200d")
               for c in pq.clauses)
    assert "bão" in texts(pq)
    assert parse("\x00\x01\x1f\x7f\u200b\u2028") == ParsedQuery()
    assert clean("a\u200bb\x00c \n\t d") == "a b c d"


def test_input_is_normalized_to_nfc():
    nfd = unicodedata.normalize("NFD", "Phong Thổ")
    assert texts(parse(nfd)) == ["Phong", "Thổ"]


def test_length_limit():
    assert parse("a" * MAX_QUERY_CHARS).clauses[0].text == "a" * MAX_QUERY_CHARS
    with pytest.raises(QueryError) as ei:
        parse("a" * (MAX_QUERY_CHARS + 1))
    assert "1001 characters" in str(ei.value) and str(MAX_QUERY_CHARS) in str(ei.value)


ODD_INPUTS = [
    "", " ", "-", "--", "OR", "OR OR OR", "a OR", "OR a", '"', '""', '"a', 'a"', '-"a b"',
    '"a" "b', "title:", "tag:", "from:", "to:", "title:\"", "-title:", "Lưu ý:", "http://x",
    "-5", "--5", "5%", "a:b:c", ":::", "::a", "-:", "\x00", "\u200b", "\ud800", "😀", "😀:x",
    "a" * 1000, "x " * 500, "\\", "'", "<script>", "%00", "((a))", "a AND NOT b", "*?~^",
    "tag:\"unterminated", "category:\"\"", "TITLE:", "author:Xuân", "from:bad-date",
    "to:2021-13-01", "from:0/0/0", "from:0001-01-01", "to:9999-12-31", "from:99999-1-1",
    "title:" * 100, "-" * 999, '"' * 999, "\u0301\u0300", "ý:" * 30,
]


@pytest.mark.parametrize("q", ODD_INPUTS, ids=range(len(ODD_INPUTS)))
def test_odd_inputs_parse_or_raise_query_error_only(q):
    try:
        pq = parse(q)
    except QueryError as e:
        assert str(e)  # a message for the reader
        return
    assert isinstance(pq, ParsedQuery)
    for c in pq.clauses:
        assert c.text and c.text.strip() == c.text
        assert c.field in (None, "title", "lead", "body", "author")


def test_at_least_fifteen_odd_inputs():
    assert len(ODD_INPUTS) >= 15


def test_negated_filter_is_not_silently_a_positive_filter():
    pq = parse("-tag:x bão")
    assert pq.tags != ["x"]
