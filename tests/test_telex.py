"""Telex and VNI keystrokes decoded into the syllables they spell (no index needed)."""

from __future__ import annotations

import pytest

from newssearch.text.analysis import normalize
from newssearch.text.telex import decode


@pytest.mark.parametrize("typed, want", [
    ("thoor", "thổ"), ("natj", "nạt"), ("quats", "quát"), ("noong", "nông"), ("daan", "dân"),
    ("beens", "bến"), ("cuoois", "cuối"), ("tieenf", "tiền"), ("dduwowngf", "đường"),
    ("nguowif", "người"), ("giuwax", "giữa"), ("quoocs", "quốc"), ("vieetj", "việt"),
    ("hoaf", "hòa"), ("thuyr", "thủy"), ("tw", "tư"), ("khieeps", "khiếp"),
    # VNI: marks after the letter or at the end
    ("tho63", "thổ"), ("d9u7o7ng2", "đường"), ("ngu7o7i2", "người"), ("tie6n2", "tiền"),
    ("d9i", "đi"), ("Vie6t5", "việt"),
])
def test_keystrokes_spell_the_syllable(typed, want):
    assert decode(typed) == normalize(want)


@pytest.mark.parametrize("typed", [
    "tim", "dan", "hoa", "tre", "phong", "honda", "sonic",  # nothing to decode
    "news", "neymar", "google", "iphones",  # no Vietnamese syllable
    "VNI", "S20", "A7", "covid19", "2020", "", "thổ", "ab-c",  # codes, digits, not ASCII
    "aaaaaaaaaaaaaaaa",
])
def test_what_spells_no_syllable_stays_as_typed(typed):
    assert decode(typed) is None


@pytest.mark.parametrize("text, want", [
    ("tư", True), ("tu", True), ("người", True), ("Nguyễn", True), ("khuya", True),
    ("hn", False), ("tw", False), ("ubnd", False), ("tp", False), ("vn", False), ("x", False),
])
def test_is_syllable(text, want):
    from newssearch.text.telex import is_syllable

    assert is_syllable(text) is want
