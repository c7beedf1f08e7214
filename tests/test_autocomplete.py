"""Search-box completions (``search/autocomplete.py``) on the real test index: phrases as the
articles write them, typed with or without accents or in Telex, never a fragment glued to
punctuation or digits, never two forms of one phrase."""

from __future__ import annotations

import re

import pytest

from newssearch.text.analysis import fold, normalize

PREFIXES = ["phong th", "Phong Th", "phong tho", "lai ch", "giá v", "gia v", "hoc s",
            "học sinh ", "bóng đ", "zorba", "ubnd huyện ph", "tp", "h", "ngh"]


def texts(engine, prefix: str, limit: int = 8) -> list[str]:
    return [c.text for c in engine.suggest(prefix, limit)]


def test_a_place_name_completes_as_titles_write_it(search_engine):
    got = search_engine.suggest("phong th")
    assert got[0].text == "Phong Thổ" and got[0].typed == len("phong th")
    assert texts(search_engine, "Phong Th") == texts(search_engine, "phong th")
    assert texts(search_engine, "phong tho")[0] == "Phong Thổ"
    assert texts(search_engine, "zorba")[0] == "Zorbaland"


def test_telex_keystrokes_read_as_accents(search_engine):
    got = search_engine.suggest("phong thoor")
    assert got[0].text == "Phong Thổ" and got[0].typed == len("Phong Thổ")


def test_typed_accents_keep_only_phrases_with_those_accents(search_engine):
    assert texts(search_engine, "gia v")  # accent-free: any accents
    for t in texts(search_engine, "giá v"):
        assert normalize(t.split()[0]) == "giá", t


def test_words_before_the_phrase_stay_as_typed(search_engine):
    got = search_engine.suggest("ubnd huyện phong th")
    assert got and all(c.text.startswith("ubnd ") for c in got)
    assert any(c.text.endswith("Phong Thổ") for c in got)
    assert all(fold(c.text[:c.typed]) == "ubnd huyen phong th" for c in got)


def test_a_word_typed_whole_is_not_completed_to_another(search_engine):
    got = texts(search_engine, "học ")
    assert "học sinh" in got and all(fold(t).startswith("hoc ") for t in got)
    # After a whole phrase, only its longer phrases (none is a fragment of one article).
    assert all(fold(t).startswith("hoc sinh ") for t in texts(search_engine, "học sinh "))


@pytest.mark.parametrize("prefix", PREFIXES)
def test_completions_are_phrases_the_articles_write(search_engine, search_index, prefix):
    got = search_engine.suggest(prefix)
    assert len(got) <= 8
    texts_ = [c.text for c in got]
    # No two forms of one phrase; every one completes what was typed.
    assert len({normalize(t) for t in texts_}) == len(texts_)
    for c in got:
        assert fold(c.text).startswith(fold(normalize(prefix.strip())).split(" ")[0])
        assert 0 < c.typed <= len(c.text)
        assert not re.search(r"\d", c.text)
    # Every one is consecutive words of a title or lead (case aside, no punctuation between).
    written = [" " + " ".join(re.sub(r"[^\w\s.\-]+", " | ", normalize(s)).split()) + " "
               for a in search_index.articles for s in (a.title, a.lead)]
    for t in texts_:
        tail = " " + normalize(t) + " "
        assert any(tail in w for w in written) or prefix.count(" ") >= 2, t


@pytest.mark.parametrize("prefix", ["", "   ", "x" * 300, "😀", '"', "-", "\x00", "zzzzqqq"])
def test_odd_prefixes_complete_to_nothing(search_engine, prefix):
    assert search_engine.suggest(prefix) == []


def test_limit_and_article_group(search_engine):
    assert len(search_engine.suggest("h", limit=3)) == 3
    assert search_engine.suggest("h", limit=0) == []
    arts = search_engine.suggest_articles(search_engine.suggest("phong th"), 2)
    assert arts[0].id == "seed_phong_tho.txt" and len(arts) <= 2
    assert search_engine.suggest_articles([], 3) == []
