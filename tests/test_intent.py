"""Question and filler words are optional (search/intent.py); the plan needs no index."""

from __future__ import annotations

import pytest

from newssearch.search.intent import optional_positions, phrases
from newssearch.search.plan import build_plan
from newssearch.search.querylang import parse
from newssearch.text.analysis import analyze


def optional_words(q: str) -> list[str]:
    plan = build_plan(parse(q), 16)
    return [u.alternatives[0].syls[0] for u in plan.units if u.optional]


@pytest.mark.parametrize("q, words", [
    ("vì sao cá chết hàng loạt", ["vì", "sao"]),
    ("tại sao giá điện tăng", ["tại", "sao"]),
    ("cách chữa mất ngủ", ["cách"]),
    ("ai là chủ tịch Quốc hội", ["ai", "là"]),
    ("khi nào tăng lương cơ sở", ["khi", "nào"]),
    ("có nên cho trẻ uống kháng sinh", ["có", "nên", "cho"]),
    ("nguyên nhân vụ cháy chợ", ["nguyên", "nhân"]),
    ("tai sao xang tang gia", ["tai", "sao"]),  # accent-free: two-syllable phrases only
])
def test_question_and_filler_words_are_optional(q, words):
    assert optional_words(q) == words


@pytest.mark.parametrize("q", ["cách mạng tháng Tám", "ô nhiễm không khí", "cach nau pho",
                               "giá vàng"])
def test_words_of_a_topic_stay_required(q):
    # cách inside the pyvi word cách_mạng, không inside không_khí; "cach" without accents
    # may be cạch: one syllable is too ambiguous to drop.
    assert optional_words(q) == []


def test_optional_words_score_only_and_need_not_stand_whole():
    plan = build_plan(parse("vì sao cá chết hàng loạt"), 16)
    opt = [u for u in plan.units if u.optional]
    assert opt and all(u.stop for u in opt)  # not required: matching skips stop units
    assert not [sp for sp in plan.spans if sp.start < 2]  # no word of "vì sao" required whole


def test_every_entry_has_a_reason():
    from newssearch.text.abbrev import data_lines

    rows = [line for line in data_lines("optional_vi.tsv")
            if line.strip() and not line.startswith("#")]
    assert rows and all(len(r.split("\t")) == 2 and r.split("\t")[1].strip() for r in rows)
    assert len(phrases()[0]) == len(rows)


def test_positions_are_among_syllables():
    toks = analyze("Vì sao 2 con cá chết")
    assert optional_positions(toks, True) == {0, 1}
