"""Synonyms, regional variants and aliases (search/variants.py); the plan needs no index."""

from __future__ import annotations

import pytest

from newssearch.search import variants
from newssearch.search.plan import build_plan
from newssearch.search.querylang import parse


def forms(q: str) -> list[list[tuple[str, ...]]]:
    """Per unit with variants: the typed form, then the variants."""
    plan = build_plan(parse(q), 16)
    return [[a.syls for a in u.alternatives] for u in plan.units
            if any(a.variant for a in u.alternatives)]


@pytest.mark.parametrize("a, b", [
    (("đậu", "xe"), ("đỗ", "xe")), (("heo",), ("lợn",)), (("trái", "cây"), ("hoa", "quả")),
    (("trồng", "bắp"), ("trồng", "ngô")),
    (("bầu", "đức"), ("đoàn", "nguyên", "đức")),
])
def test_matched_both_ways(a, b):
    assert b in variants.find(list(a), 0)[2]
    assert a in variants.find(list(b), 0)[2]


def test_accent_free_query_finds_the_variants():
    n, typed, others = variants.find(["dau", "xe", "trai", "phep"], 0)
    assert n == 2 and typed == ("dau", "xe") and ("đỗ", "xe") in others
    # the accented reading of what was typed is not "another word"
    assert ("đậu", "xe") not in others


def test_plan_keeps_the_typed_form_first_and_variants_whole_and_below():
    plan = build_plan(parse("đậu xe trái phép"), 16)
    unit = next(u for u in plan.units if len(u.alternatives) > 1)
    typed, *others = unit.alternatives
    assert typed.syls == ("đậu", "xe") and not typed.variant
    assert others and all(a.variant for a in others)
    # matched whole: a pyvi word, or the syllables side by side
    assert all(a.phrase or len(a.words) == 1 or len(a.syls) == 1 for a in others)
    assert (unit.start, unit.end) == (0, 2)


def test_quoted_text_has_no_variants():
    assert forms('"đậu xe"') == []
    assert forms("đậu xe") == [[("đậu", "xe"), ("đỗ", "xe")]]


def test_no_variants_for_unlisted_words():
    assert variants.find(["phong", "thổ"], 0) is None


def test_one_syllable_typed_without_its_accents_has_no_variants():
    assert variants.find(["my", "tam"], 0) is None  # Mỹ Tâm, or mỳ ...
    assert variants.find(["lon"], 0) is None  # lợn, or lớn
    assert ("lợn",) in variants.find(["heo"], 0)[2]  # heo has no accents to drop
