"""``SearchEngine.search`` on a real index (sample/ + crafted articles, see conftest.py).

Expectations are computed from the articles themselves (syllable lists, metadata) wherever
possible, independently of the engine. Known bugs are kept as strict xfails.
"""

from __future__ import annotations

import dataclasses
import html
import io
import json
import re
import shutil
import subprocess
import sys
import unicodedata
from collections import Counter
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import CRAFTED_SOURCE, MARKER, SPACE_ID

from newssearch.errors import QueryError
from newssearch.ops import evaluation
from newssearch.search import Facet, Filters, SearchEngine
from newssearch.text.analysis import PART_RE, fold, normalize

SEED = "seed_phong_tho.txt"
VN = ZoneInfo("Asia/Ho_Chi_Minh")
MARK_RE = re.compile(r"<mark>(.*?)</mark>", re.DOTALL)
SCORE_RUN = Path("/work/shared/tools/score_run.py")


def nfd(s: str) -> str:
    return unicodedata.normalize("NFD", s)


def ids(res) -> list[str]:
    return [h.article.id for h in res.hits]


def all_ids(engine: SearchEngine, q: str, **kw) -> list[str]:
    """Every article found, copies of one story included (fold=False)."""
    kw.setdefault("fold", False)
    res = engine.search(q, per_page=100, **kw)
    assert res.total <= 100, "test query too broad for one page"
    return ids(res)


def full_text(a) -> str:
    return "\n".join([a.title, a.lead, *a.captions, *a.body])


def syllables(text: str) -> list[str]:
    return [normalize(m.group()) for m in PART_RE.finditer(text)]


def has_phrase(text: str, phrase: str) -> bool:
    t, p = syllables(text), syllables(phrase)
    return any(t[i : i + len(p)] == p for i in range(len(t) - len(p) + 1))


def month(a) -> str | None:
    return a.published.astimezone(VN).strftime("%Y-%m") if a.published else None


def facet_dict(res, name: str) -> dict[str, int]:
    return {f.value: f.count for f in res.facets[name]}


def plain(fragment: str) -> str:
    body = fragment.replace("<mark>", "").replace("</mark>", "")
    return html.unescape(body.removeprefix("…").removesuffix("…"))


# ------------------------------------------------------------------ accents, NFD, old tones
def test_phong_tho_finds_the_seed_page_first(search_engine):
    for q in ("phong tho", "Phong Thổ", "PHONG THỔ", "huyện phong thổ"):
        res = search_engine.search(q)
        assert ids(res)[0] == SEED, q
        assert not res.relaxed


def test_accent_free_query_suggests_the_accented_form(search_engine):
    res = search_engine.search("phong tho")
    assert "Phong Thổ" in res.suggestions.accented
    # An accented query needs no accent suggestion.
    assert not search_engine.search("Phong Thổ").suggestions.accented


def test_old_and_new_tone_placement_are_one_word(search_engine, search_index):
    new = all_ids(search_engine, "hoà bình")
    assert new == all_ids(search_engine, "hòa bình")
    assert new == all_ids(search_engine, "HOÀ BÌNH")
    assert new == all_ids(search_engine, nfd("hòa bình"))
    assert "x-hoa-old" in new  # written "hòa" (old placement)
    assert "hòa bình" in full_text(search_index.by_id["x-hoa-old"])
    # The phrase, too: every article holding "hoà/hòa bình" as adjacent syllables.
    expected = {a.id for a in search_index.articles if has_phrase(full_text(a), "hoà bình")}
    assert set(all_ids(search_engine, '"hòa bình"')) == expected
    assert set(all_ids(search_engine, '"hoà bình"')) == expected


def test_nfd_query_matches_nfc_doc_and_vice_versa(search_engine, search_index):
    # x-ubnd is NFC; the query NFD.
    assert unicodedata.is_normalized("NFC", full_text(search_index.by_id["x-ubnd"]))
    assert all_ids(search_engine, nfd("Mường Tè")) == ["x-ubnd"]
    assert all_ids(search_engine, "Mường Tè") == ["x-ubnd"]
    # x-nfd is NFD through and through; the query NFC.
    doc = search_index.by_id["x-nfd"]
    assert not unicodedata.is_normalized("NFC", doc.title)
    assert ids(search_engine.search("Bát Tràng"))[0] == "x-nfd"
    assert all_ids(search_engine, '"Bát Tràng"') == ["x-nfd"]
    assert all_ids(search_engine, nfd('"Bát Tràng"')) == ["x-nfd"]
    assert all_ids(search_engine, '"bat trang"') == ["x-nfd"]


def test_real_nfd_dantri_article_found_by_its_nfc_text(search_engine, search_index):
    nfd_lines = [(a.id, line) for a in search_index.articles if a.id.startswith("dantri")
                 for line in a.body if not unicodedata.is_normalized("NFC", line)]
    assert nfd_lines  # the sample has some (dantri-news_travel_125)
    for doc_id, line in nfd_lines:
        nfc = unicodedata.normalize("NFC", line)
        assert ids(search_engine.search(nfc))[0] == doc_id
        assert doc_id in all_ids(search_engine, f'"{nfc.rstrip(".")}"')


def test_syllable_matches_inside_a_place_name(search_engine, search_index):
    got = set(search_engine_ids(search_engine, "Châu"))
    assert {"x-laichau", SEED} <= got
    assert {"x-laichau", SEED} <= set(search_engine_ids(search_engine, "chau"))
    # Every hit of "Châu" holds the syllable (accents folded).
    for i in got:
        assert "chau" in {fold(s) for s in syllables(full_text(search_index.by_id[i]))}, i


def search_engine_ids(engine, q: str) -> list[str]:
    out, page = [], 1
    while True:
        res = engine.search(q, page=page, per_page=100, facets=False, snippets=False, fold=False)
        out += ids(res)
        if len(out) >= res.total or not res.hits:
            return out
        page += 1


def test_exact_accents_outrank_folded_only_matches(search_engine, search_index):
    a, b = search_index.by_id["x-acc-exact"], search_index.by_id["x-acc-folded"]
    assert fold(full_text(a)) == fold(full_text(b)) and full_text(a) != full_text(b)
    # Accents typed are meant: the other spelling is not an equal match...
    assert all_ids(search_engine, f"lá thư {MARKER}") == ["x-acc-exact"]
    # (an accent-free syllable matches every accented form; the exact one scores higher)
    # (fold=False: the two texts differ only in that accent, which the duplicate detector's
    # folded text signature does not see)
    assert all_ids(search_engine, f"lá thu {MARKER}", fold=False) == ["x-acc-folded",
                                                                      "x-acc-exact"]
    assert search_engine.search(f"lá thư {MARKER}").tier == "exact"
    # ... it comes after the exact one when the reader asks for partial matches too,
    res = search_engine.search(f"lá thư {MARKER}", match="any", fold=False)
    assert [h.article.id for h in res.hits[:2]] == ["x-acc-exact", "x-acc-folded"]
    assert res.hits[0].score > res.hits[1].score
    # ... and is found when nothing better exists (a tone no article has: Lá thừ).
    res = search_engine.search(f"lá thừ {MARKER}", fold=False)
    assert res.tier == "whole" and {h.article.id for h in res.hits} == {"x-acc-exact",
                                                                         "x-acc-folded"}
    # Without accents both match equally well.
    assert set(all_ids(search_engine, f"la thu {MARKER}", fold=False)) == {"x-acc-exact",
                                                                             "x-acc-folded"}


# ------------------------------------------------------------------ query language on real text
def test_phrase_is_narrower_than_words(search_engine, search_index):
    words = set(all_ids(search_engine, "bóng đá"))
    phrase = set(all_ids(search_engine, '"bóng đá"'))
    expected = {a.id for a in search_index.articles if has_phrase(full_text(a), "bóng đá")}
    assert phrase == expected
    # The word stays whole without quotes too: "bóng" and "đá" apart are not listed...
    assert "x-bong-split" not in words and "x-bongda" in words
    # ... unless the reader asks for partial matches as well.
    res = search_engine.search(f"bóng đá {MARKER}", match="any", per_page=10)
    assert res.relaxed and [h.article.id for h in res.hits[:2]] == ["x-bongda", "x-bong-split"]
    assert all_ids(search_engine, f'"bóng đá" {MARKER}') == ["x-bongda"]


def test_exclusion_removes(search_engine, search_index):
    base = set(all_ids(search_engine, "bóng đá"))
    excl = set(all_ids(search_engine, 'bóng đá -"Việt Nam"'))
    expected = {i for i in base if not has_phrase(full_text(search_index.by_id[i]), "Việt Nam")}
    assert excl == expected and excl < base
    assert set(all_ids(search_engine, f"{MARKER} -bóng")) == (
        set(all_ids(search_engine, MARKER)) - {"x-bongda", "x-bong-split"})
    # Only an exclusion: everything else.
    assert search_engine.search(f"-{MARKER}").total == len(search_index.articles) - 7


def test_or_widens(search_engine):
    a = set(all_ids(search_engine, "Quenzelo"))
    b = set(all_ids(search_engine, MARKER))
    assert set(all_ids(search_engine, f"Quenzelo OR {MARKER}")) == a | b
    assert len(a | b) == 8
    # Without OR both would be required: nothing has both.
    res = search_engine.search(f"Quenzelo {MARKER}")
    assert res.relaxed  # fell back to partial matches


def test_field_prefixes_restrict(search_engine, search_index):
    assert len(all_ids(search_engine, f"title:{MARKER}")) == 7
    assert all_ids(search_engine, f"lead:{MARKER}") == ["x-hoa-old"]
    res = search_engine.search(f"body:{MARKER}")
    assert res.total == 0
    expected = {a.id for a in search_index.articles if "bóng" in syllables(a.title)}
    got = set(all_ids(search_engine, "title:bóng"))
    assert got == expected
    assert got < set(all_ids(search_engine, "bóng"))


def test_or_alternatives_keep_their_own_fields(search_engine):
    a = set(all_ids(search_engine, f"title:{MARKER} OR body:quenzelo"))
    b = set(all_ids(search_engine, f"body:quenzelo OR title:{MARKER}"))
    assert a == b and len(a) == 8


def test_phrase_inside_an_or_group_stays_a_phrase(search_engine, search_index):
    phrase = {a.id for a in search_index.articles if has_phrase(full_text(a), "bóng đá")}
    assert set(all_ids(search_engine, '"bóng đá" OR Quenzelo')) == phrase | {SPACE_ID}


def test_author_field(search_engine):
    assert ids(search_engine.search('author:"Xuân Trường"'))[0] == SEED


def test_tag_filters(search_engine):
    assert set(all_ids(search_engine, 'tag:"du lịch"')) == {"x-nfd", "x-laichau"}  # NFD tag too
    assert set(all_ids(search_engine, 'tag:"Du Lịch"')) == {"x-nfd", "x-laichau"}
    assert all_ids(search_engine, 'tag:"hoà bình"') == ["x-hoa-old"]  # tag written "hòa"
    tagged = {"x-script", "x-hoa-old", "x-laichau", "x-bongda"}
    assert set(all_ids(search_engine, f"tag:{MARKER}")) == tagged
    assert set(all_ids(search_engine, "", filters=Filters(tags=[MARKER.lower()]))) == tagged
    assert all_ids(search_engine, f'tag:{MARKER} tag:"bóng đá"') == ["x-bongda"]  # AND
    assert all_ids(search_engine, f"tag:{MARKER} Lai Châu") == ["x-laichau"]
    assert search_engine.search("tag:khongcotag").total == 0


def test_category_and_source_filters(search_engine, search_index):
    sport = {a.id for a in search_index.articles if a.category == "Thể thao"}
    assert len(sport) == 20
    assert search_engine.search('category:"Thể thao"').total == len(sport)
    res = search_engine.search("", filters=Filters(categories=["thể  thao"]), per_page=100)
    assert set(ids(res)) == sport
    # A query and a category filter: the query's hits within the category.
    words = set(all_ids(search_engine, "bóng đá"))
    both = set(all_ids(search_engine, 'bóng đá category:"Thể thao"'))
    assert both == words & sport and both
    dantri = [a for a in search_index.articles if a.source == "dantri.com.vn"]
    assert search_engine.search("source:dantri.com.vn").total == len(dantri) == 187
    assert set(all_ids(search_engine, f"source:{CRAFTED_SOURCE}")) == {
        r["id"] for r in search_index.crafted}
    assert search_engine.search(f"Lai Châu source:{CRAFTED_SOURCE}").hits[0].article.id == "x-laichau"
    # Filters given both in the query and as Filters: both apply.
    res = search_engine.search('category:"Thể thao"',
                               filters=Filters(sources=[CRAFTED_SOURCE]))
    assert ids(res) == ["x-bongda"]
    assert search_engine.search('category:"Không có"').total == 0


@pytest.mark.parametrize("q", ["from:2021-04-01 to:2021-04-30", "from:1/4/2021 to:30/04/2021"])
def test_date_filters(search_engine, search_index, q):
    expected = {a.id for a in search_index.articles
                if a.published and date(2021, 4, 1) <= a.published.astimezone(VN).date()
                <= date(2021, 4, 30)}
    assert len(expected) == 16
    res = search_engine.search(q, per_page=100)
    assert set(ids(res)) == expected


def test_date_filters_in_filters_object(search_engine, search_index):
    f = Filters(date_from=date(2019, 6, 1), date_to=date(2019, 7, 2))
    expected = {"x-bongda", "x-bong-split", "x-ubnd"}
    assert set(all_ids(search_engine, "", filters=f)) == expected


def test_sort_newest_orders_by_date(search_engine, search_index):
    res = search_engine.search("bóng đá", sort="newest", per_page=100)
    dates = [search_index.by_id[h.article.id].published for h in res.hits]
    assert dates == sorted(dates, reverse=True)
    newest = max(a.published for a in search_index.articles if a.published)
    assert search_index.by_id[ids(search_engine.search("", sort="newest"))[0]].published == newest


def test_recency_reorders_but_keeps_the_hits(search_engine):
    plain_ = search_engine.search("bóng đá", per_page=100)
    boosted = search_engine.search("bóng đá", per_page=100, recency=1.0)
    assert {h.article.id for h in boosted.hits} == {h.article.id for h in plain_.hits}
    before = {h.article.id: h.score for h in plain_.hits}
    assert all(h.score >= before[h.article.id] - 1e-3 for h in boosted.hits)
    assert any(h.score > before[h.article.id] + 1e-3 for h in boosted.hits)


def test_sort_newest_keeps_the_same_hits(search_engine):
    assert set(all_ids(search_engine, "bóng đá", sort="newest")) == set(
        all_ids(search_engine, "bóng đá"))


@pytest.mark.parametrize("q", ["bóng đá", "", "hoa binh", "la thu zorbaland", "và"])
def test_pagination_is_consistent(search_engine, q):
    first = search_engine.search(q, per_page=100)
    want = ids(first)[:35]
    got: list[str] = []
    for page in range(1, 6):
        res = search_engine.search(q, page=page, per_page=7)
        assert res.total == first.total and res.page == page and res.per_page == 7
        got += ids(res)
    assert got == want
    assert len(set(got)) == len(got)
    past = search_engine.search(q, page=first.total // 7 + 2, per_page=7)
    assert past.hits == [] and past.total == first.total


def test_abbreviation_finds_its_expansion(search_engine, search_index):
    got = set(all_ids(search_engine, "UBND"))
    assert {"x-ubnd", "x-uyban"} <= got
    assert "UBND" not in full_text(search_index.by_id["x-uyban"])
    assert set(all_ids(search_engine, "ubnd")) == got
    assert all_ids(search_engine, 'UBND "Mường Nhé"') == ["x-uyban"]


@pytest.mark.parametrize("q", ["Ủy ban nhân dân", "uy ban nhan dan", '"Ủy ban nhân dân"'])
def test_expansion_finds_its_abbreviation(search_engine, search_index, q):
    assert "Ủy ban nhân dân" not in full_text(search_index.by_id["x-ubnd"])
    assert "x-ubnd" in search_engine_ids(search_engine, q)


# ------------------------------------------------------------------ snippets and marks
def test_marks_around_matches(search_engine):
    res = search_engine.search("phong tho")
    seed = res.hits[0]
    assert "<mark>Phong Thổ</mark>" in seed.title_html
    assert seed.snippets and all("<mark>" in s for s in seed.snippets)
    for s in [seed.title_html, *seed.snippets]:
        for m in MARK_RE.findall(s):
            assert {fold(normalize(x)) for x in PART_RE.findall(html.unescape(m))} <= {
                "phong", "tho"}, m
    # An accented query marks exact forms only: "Thổ" but not "thơ".
    res = search_engine.search("Châu")
    for h in res.hits:
        for s in [h.title_html, *h.snippets]:
            for m in MARK_RE.findall(s):
                assert normalize(html.unescape(m)) == "châu", m


def test_html_in_articles_comes_back_escaped(search_engine, search_index):
    res = search_engine.search("mã độc")
    hit = next(h for h in res.hits if h.article.id == "x-script")
    assert hit.article.title == search_index.by_id["x-script"].title  # plain text, as printed
    for s in [hit.title_html, *hit.snippets]:
        assert "<script" not in s and "<b>" not in s
        assert set(re.findall(r"</?[a-z]+", s)) <= {"<mark", "</mark"}
    assert "&lt;script&gt;" in hit.title_html and "<mark>mã độc</mark>" in hit.title_html
    assert any("&lt;script&gt;" in s for s in hit.snippets)
    assert "&amp;" in "".join(hit.snippets)
    html_only = json.dumps([[h.title_html, h.snippets] for h in res.hits], ensure_ascii=False)
    assert "<script" not in html_only


@pytest.mark.parametrize("q", ["phong tho", "bóng đá", "Bát Tràng", "hòa bình", "UBND",
                               "phát triển kinh tế", "KT-XH"])
def test_snippets_are_slices_of_the_original_text(search_engine, search_index, q):
    res = search_engine.search(q, per_page=10)
    assert res.hits
    for h in res.hits:
        a = search_index.by_id[h.article.id]
        original = "\n".join([a.lead, *a.captions, *a.body])
        assert plain(h.title_html) == a.title
        for s in h.snippets:
            assert plain(s) in original, (h.article.id, s)
            if "_" not in original:
                assert "_" not in s


def test_hits_carry_the_stored_fields(search_engine, search_index):
    res = search_engine.search("Quenzelo")
    h = res.hits[0]
    a = search_index.by_id[SPACE_ID]
    assert (h.article.id, h.article.title, h.article.url, h.article.category, h.article.source, h.article.lead) == (
        a.id, a.title, a.url, a.category, a.source, a.lead)
    assert h.article.published.isoformat().startswith("2019-09-09")
    json.dumps(res.to_dict(), ensure_ascii=False)  # serialisable as is


# ------------------------------------------------------------------ facets
def _expect_facets(articles) -> dict[str, Counter]:
    return {
        "category": Counter(a.category for a in articles if a.category),
        "source": Counter(a.source for a in articles if a.source),
        "tags": Counter(t for a in articles for t in a.tags),
        "month": Counter(month(a) for a in articles if a.published),
    }


def test_facets_on_a_hand_counted_subset(search_engine, search_index):
    marked = [a for a in search_index.articles if MARKER.lower() in full_text(a).lower()]
    assert len(marked) == 7
    exp = _expect_facets(marked)
    # By hand, from conftest: 7 marked articles, 4 tagged with the marker, 3 "Đời sống".
    assert exp["tags"][MARKER] == 4 and exp["category"]["Đời sống"] == 3
    assert exp["month"] == {"2019-03": 1, "2019-05": 2, "2019-06": 2, "2019-08": 2}
    res = search_engine.search(MARKER)
    assert res.total == 7
    for name in ("category", "source", "tags", "month"):
        assert facet_dict(res, name) == dict(exp[name]), name
    # Facets are sorted by count, then by value (month: chronological).
    assert res.facets["tags"][0] == Facet(MARKER, 4)
    months = [f.value for f in res.facets["month"]]
    assert months == sorted(months)


def test_facets_respect_query_and_filters(search_engine, search_index):
    sport = [a for a in search_index.articles if a.category == "Thể thao"]
    res = search_engine.search('category:"Thể thao"')
    exp = _expect_facets(sport)
    for name in ("category", "source", "tags", "month"):
        assert facet_dict(res, name) == dict(exp[name]), name
    assert facet_dict(res, "source") == {"dantri.com.vn": 19, CRAFTED_SOURCE: 1}
    sub = [a for a in search_index.articles
           if MARKER.lower() in full_text(a).lower() and a.category == "Đời sống"]
    res = search_engine.search(f'{MARKER} category:"Đời sống"')
    assert res.total == len(sub) == 3
    assert facet_dict(res, "month") == dict(_expect_facets(sub)["month"])
    assert facet_dict(res, "tags") == {}
    # A query with no hit has empty facets.
    res = search_engine.search("Quenzelo category:\"Thể thao\"")
    assert res.total == 0 and all(v == [] for v in res.facets.values())


def test_facets_of_everything(search_engine, search_index):
    res = search_engine.search("", per_page=1)
    assert res.total == len(search_index.articles)
    exp = _expect_facets(search_index.articles)
    assert facet_dict(res, "source") == dict(exp["source"])
    assert facet_dict(res, "month") == dict(exp["month"])
    assert sum(facet_dict(res, "category").values()) == sum(exp["category"].values())


def test_facet_selection(search_engine):
    res = search_engine.search(MARKER, facets=["category"])
    assert set(res.facets) == {"category"}
    assert search_engine.search(MARKER, facets=False).facets == {}
    with pytest.raises(QueryError, match="unknown facet"):
        search_engine.search(MARKER, facets=["colour"])


def test_facets_merge_nfc_and_nfd_spellings(search_engine):
    res = search_engine.search(f"source:{CRAFTED_SOURCE}")
    tags = [f for f in res.facets["tags"] if unicodedata.normalize("NFC", f.value) == "du lịch"]
    cats = [f for f in res.facets["category"]
            if unicodedata.normalize("NFC", f.value) == "Văn hóa"]
    assert [f.count for f in tags] == [2]
    assert [f.count for f in cats] == [2]


# ------------------------------------------------------------------ suggestions
def test_did_you_mean_for_a_misspelling(search_engine):
    # One slip: found through the nearest word, and the correction is offered.
    res = search_engine.search("Zorbalandd")
    assert res.total == search_engine.search("Zorbaland").total
    assert [s.lower() for s in res.suggestions.did_you_mean] == ["zorbaland"]
    res = search_engine.search("Quenzeloo Zorbalandd")
    assert [s.lower() for s in res.suggestions.did_you_mean] == ["quenzelo zorbaland"]
    # Searched exactly as typed, nothing has these words; the correction is still offered.
    res = search_engine.search("Quenzeloo Zorbalandd", literal=True)
    assert res.total == 0
    assert [s.lower() for s in res.suggestions.did_you_mean] == ["quenzelo zorbaland"]
    # Correct words get no correction.
    assert not search_engine.search("Quenzelo").suggestions.did_you_mean


def test_did_you_mean_shows_words_not_segmented_terms(search_engine):
    res = search_engine.search("vietnaam")
    assert res.total == 0
    assert res.suggestions.did_you_mean
    assert "_" not in res.suggestions.did_you_mean[0]


def test_did_you_mean_prefers_the_nearest_word(search_engine):
    res = search_engine.search("phongg")
    assert res.suggestions.did_you_mean == ["phong"]


# ------------------------------------------------------------------ robustness
ODD_QUERIES = [
    "", " ", "-", "--", "OR", "OR OR", "a OR", "OR a", "-OR", '"', '""', '"a', 'a"', '-"a b"',
    '- "', "title:", "tag:", "category:", "source:", "from:", "to:", "from:bad-date",
    "to:2021-13-01", "from:31/02/2021", "và", "và của là", "😀", "😀 bóng đá", "\x00\x01",
    "\u200b\u200d", "\ufeff", "a" * 1000, "a" * 1001, "x " * 500,
    " ".join(f"w{i}" for i in range(150)), " ".join(["bóng đá"] * 100), "Lưu ý:", "http://x",
    "-5", "5%", "title:\"\"", "title:\"a", "-title:bóng", "lead:x OR", "OR -a", "((a))",
    "a AND b", "*", "\\", "<script>", "%00", "\n\t\r", "\ud800", "from:2021-01-01 to:2020-01-01",
    "-tag:x", f"-{MARKER} -bóng -đá", '"" OR ""', "tag:\"\" bão", "KT-XH TP.HCM 8.848 20,49%",
    "\u0301\u0300", "ý:" * 30,
]


@pytest.mark.parametrize("q", ODD_QUERIES, ids=range(len(ODD_QUERIES)))
def test_no_query_raises_anything_but_query_error(search_engine, q):
    try:
        res = search_engine.search(q, per_page=5)
    except QueryError as e:
        assert str(e)
        return
    assert res.total >= len(res.hits)
    json.dumps(res.to_dict(), ensure_ascii=False)


@pytest.mark.parametrize("q", ["from:0001-01-01", "to:9999-12-31", "to:31/12/9999"])
def test_extreme_dates_do_not_crash(search_engine, q):
    try:
        search_engine.search(q)
    except QueryError:
        pass


@pytest.mark.parametrize("kw", [{"sort": "oldest"}, {"page": 0}, {"per_page": 0},
                                {"per_page": 101}, {"fragment_chars": 5}])
def test_bad_parameters_are_query_errors(search_engine, kw):
    with pytest.raises(QueryError):
        search_engine.search("bóng đá", **kw)


def test_stats(search_engine, search_index):
    st = search_engine.stats()
    assert st.articles == len(search_index.articles)
    assert st.sources == {"dantri.com.vn": 187, CRAFTED_SOURCE: len(search_index.crafted)}
    assert st.index_version == search_engine.index_version
    assert "path" not in st.to_dict()  # the server's file layout is none of a client's business


def test_stats_published_span(search_engine, search_index):
    days = [a.published.astimezone(VN).date().isoformat()
            for a in search_index.articles if a.published]
    assert search_engine.stats().published_span == [min(days), max(days)]


def test_article_lookup(search_engine, search_index):
    a = search_engine.article(SPACE_ID)
    assert a is not None and a.to_dict() == search_index.by_id[SPACE_ID].to_dict()
    assert search_engine.article("no-such-id") is None


# ------------------------------------------------------------------ run files and scoring
EVAL_QUERIES = [
    evaluation.Query("D1-title", "phong tho", "title"),
    evaluation.Query("D2-title", f"lá thu {MARKER}", "title"),
    evaluation.Query("D3-keywords", "Quenzelo", "keywords"),
    evaluation.Query("D4-keywords", "bóng đá", "keywords"),
    evaluation.Query("D5-keywords", "Lai Châu", "keywords"),
]
EVAL_QRELS = {"D1-title": SEED, "D2-title": "x-acc-exact", "D3-keywords": SPACE_ID,
              "D4-keywords": "x-ubnd", "D5-keywords": "x-laichau"}


def test_write_run_format(search_engine):
    out = io.StringIO()
    n = evaluation.write_run(search_engine, EVAL_QUERIES, out, k=4)
    lines = out.getvalue().splitlines()
    assert n == len(lines)
    by_q: dict[str, list[list[str]]] = {}
    for line in lines:
        parts = line.split(" ")
        assert len(parts) == 6 and parts[1] == "Q0" and parts[5] == "newssearch"
        float(parts[4])
        by_q.setdefault(parts[0], []).append(parts)
    assert set(by_q) == {q.qid for q in EVAL_QUERIES}
    for q in EVAL_QUERIES:
        rows = by_q[q.qid]
        assert [int(r[3]) for r in rows] == list(range(1, len(rows) + 1))
        assert len(rows) == min(4, search_engine.search(q.query).total)
        assert [r[2] for r in rows] == [
            evaluation.trec_id(i) for i in ids(search_engine.search(q.query, per_page=4))]
        scores = [float(r[4]) for r in rows]
        assert scores == sorted(scores, reverse=True)
    assert by_q["D1-title"][0][2] == SEED
    assert by_q["D3-keywords"][0][2] == "kiemthu%2Fbai%20viet%201"  # space and slash encoded
    assert evaluation.trec_id("a b") == "a%20b" and evaluation.trec_id("dantri-x_1") == "dantri-x_1"


@pytest.mark.skipif(not SCORE_RUN.is_file(), reason=f"{SCORE_RUN} not found")
def test_score_agrees_with_the_shared_scorer(search_engine, tmp_path):
    qfile, qrels, run = tmp_path / "q.jsonl", tmp_path / "qrels.tsv", tmp_path / "run.txt"
    qfile.write_text("".join(json.dumps({"qid": q.qid, "query": q.query, "type": q.type},
                                        ensure_ascii=False) + "\n" for q in EVAL_QUERIES),
                     encoding="utf-8")
    # The run file holds encoded ids, so the qrels name documents the same way.
    qrels.write_text("qid\tdoc_id\trelevance\n" + "".join(
        f"{q}\t{evaluation.trec_id(d)}\t1\n" for q, d in EVAL_QRELS.items()), encoding="utf-8")
    with open(run, "w", encoding="utf-8") as f:
        evaluation.write_run(search_engine, evaluation.read_queries(str(qfile)), f, 10)
    ours = evaluation.score(evaluation.read_queries(str(qfile)),
                            evaluation.read_qrels(str(qrels)), evaluation.read_run(str(run)))
    proc = subprocess.run([sys.executable, str(SCORE_RUN), str(qfile), str(qrels), str(run),
                           "--json"], capture_output=True, text=True, timeout=60, check=True)
    theirs = json.loads(proc.stdout)
    assert set(theirs) == set(ours) - {"all"}
    for t, m in theirs.items():
        o = ours[t]
        assert o["queries"] == m["n"]
        assert round(o["mrr@10"], 4) == m["mrr10"]
        assert round(o["success@1"], 4) == m["s1"]
        assert round(o["success@10"], 4) == m["s10"]
    # And by hand: D1 and D3 at rank 1, D4 nowhere; D2 at rank 2.
    assert ours["title"]["mrr@10"] == pytest.approx((1 + 1 / 2) / 2)
    assert ours["keywords"]["success@10"] < 1
    assert ours["all"]["queries"] == 5


def test_score_of_a_run_file_matches_raw_ids(search_engine, tmp_path):
    qs = [evaluation.Query("D3", "Quenzelo", "keywords")]
    run = tmp_path / "run.txt"
    with open(run, "w", encoding="utf-8") as f:
        evaluation.write_run(search_engine, qs, f, 10)
    rel = {"D3": {SPACE_ID}}
    assert evaluation.score(qs, rel, evaluation.run_ranked(search_engine, qs, 10))[
        "all"]["mrr@10"] == 1.0
    assert evaluation.score(qs, rel, evaluation.read_run(str(run)))["all"]["mrr@10"] == 1.0


def test_read_qrels_keeps_ids_with_spaces(tmp_path):
    p = tmp_path / "qrels.tsv"
    p.write_text(f"qid\tdoc_id\trelevance\nD3\t{SPACE_ID}\t1\n", encoding="utf-8")
    assert evaluation.read_qrels(str(p)) == {"D3": {SPACE_ID}}


def test_engine_sees_a_rebuild(tmp_path, search_index):
    """A second engine on a copy picks up a rebuild of its root (version changes)."""
    from newssearch.index.writer import rebuild

    root = tmp_path / "idx"
    shutil.copytree(search_index.root, root)
    eng = SearchEngine(root, refresh_seconds=0)  # re-check the index on every call
    v1 = eng.index_version
    assert eng.search("Quenzelo").total == 1
    rebuild(root, [search_index.by_id["x-ubnd"]], procs=1)
    assert eng.index_version != v1
    assert eng.search("Quenzelo").total == 0 and ids(eng.search("Mường Tè")) == ["x-ubnd"]


# ------------------------------------------------------------------ bounded work, fast paths
def test_query_of_stopwords_only_requires_every_word(search_engine, search_index):
    from newssearch.text.analysis import stopwords

    words = ["lại", "phải"]
    assert all(w in stopwords() for w in words)  # both are on the shipped stopword list
    # Syllables match on their folded forms (lại also finds Lai Châu).
    expected = {a.id for a in search_index.articles
                if {fold(w) for w in words} <= {fold(s) for s in syllables(full_text(a))}}
    res = search_engine.search(" ".join(words), per_page=100)
    assert not res.relaxed and 0 < res.total == len(expected)
    assert {h.article.id for h in res.hits} <= expected


def test_relaxed_scoring_is_bounded_but_counts_everything(search_engine, search_index):
    from newssearch.search import RankingConfig

    q = f"Quenzelo {MARKER} bóng đá"  # no article has all four: falls back to any of them
    full = search_engine.search(q, per_page=100, facets=["category"])
    assert full.relaxed and full.total > 5
    few = SearchEngine(search_index.root, config=RankingConfig(relaxed_score_max=5))
    bounded = few.search(q, per_page=100, facets=["category"])
    assert bounded.total == full.total and bounded.facets == full.facets
    # The five scored are the ones matching the most words (ties: the earlier indexed).
    units = {"quenzelo", "zorbaland", "bong", "da"}
    matched = [(len(units & {fold(s) for s in syllables(full_text(a))}), -i, a.id)
               for i, a in enumerate(search_index.articles)]
    expected = {i for _, _, i in sorted(matched, reverse=True)[:5]}
    scored = {h.article.id for h in bounded.hits if h.score > 0}
    assert scored == expected
    assert [h.article.id for h in bounded.hits[:5]] == [
        h.article.id for h in full.hits if h.article.id in expected]  # in the order full scoring gives them


def test_phrase_on_candidates_agrees_with_whoosh_phrase_query(search_engine, search_index):
    import numpy as np

    from newssearch.search.phrases import phrase_among, phrase_docs

    snap = search_engine.snapshot()
    rng = np.random.default_rng(7)
    for fields, words in [(("title", "lead", "body"), ("bóng", "đá")),
                          (("body_f",), ("viet", "nam")),
                          (("title_f", "lead_f", "body_f"), ("uy", "ban", "nhan", "dan")),
                          (("body",), ("của", "các"))]:
        everywhere = set(phrase_docs(snap, fields, words).tolist())
        assert everywhere
        cand = np.sort(rng.choice(snap.n, size=150, replace=False)).astype(np.int32)
        cand = np.union1d(cand, np.array(sorted(everywhere)[:20], dtype=np.int32))
        cand = cand.astype(np.int32)
        got = phrase_among(snap, fields, words, cand)
        assert [bool(x) for x in got] == [int(d) in everywhere for d in cand], words


def test_did_you_mean_splits_words_run_together(search_engine, sample_index):
    res = search_engine.search("laichau")
    assert res.total == 0
    assert res.suggestions.did_you_mean == ["lai chau"]
    # The bundled sample has "Lai Châu" only in bodies (as one pyvi word): found there too.
    res = SearchEngine(sample_index).search("laichau")
    assert res.total == 0 and res.suggestions.did_you_mean == ["lai chau"]
    assert SearchEngine(sample_index).search("phongtho").suggestions.did_you_mean == [
        "phong tho"]


def test_vocabulary_finds_every_syllable_within_two_edits(search_engine):
    from newssearch.search.spelling import edit_distance, vocabulary

    snap = search_engine.snapshot()
    vocab = vocabulary(snap, "title_f")
    terms = list(snap.terms("title_f"))
    syls = [t for t in terms if "_" not in t and len(t) <= 12]
    for word in ["phongg", "lai", "chua", "vietnaam", "thhanh", "x", "nguoiii"]:
        want = {t for t in syls if edit_distance(word, t) <= 2}
        assert vocab.near(word) == want, word
        assert vocab.near(word, 1) == {t for t in want if edit_distance(word, t) <= 1}


def test_score_is_bm25f_over_title_lead_and_body(search_engine, search_index):
    """One accent-free syllable (no word or pair bonus): the score is BM25F computed by hand
    from the article's own text, the index's field lengths and the part boosts, times the head
    factor (1 + head_weight when the title or lead holds it)."""
    import math

    from newssearch.search import RankingConfig

    cfg = RankingConfig()

    snap = search_engine.snapshot()
    term = "zorbaland"
    res = search_engine.search(term, per_page=20, snippets=False, suggest=False)
    assert res.total == 7
    parts = {"title": lambda a: a.title, "lead": lambda a: a.lead,
             "body": lambda a: "\n".join([*a.captions, *a.body])}
    dfs = {p: sum(1 for a in search_index.articles
                  if term in [fold(s) for s in syllables(fn(a))]) for p, fn in parts.items()}
    df = max(dfs.values())
    idf = math.log(1 + (snap.doc_count - df + 0.5) / (df + 0.5))
    for h in res.hits:
        a = search_index.by_id[h.article.id]
        docnum = snap.searcher.document_number(id=h.article.id)
        tf = 0.0
        for p, fn in parts.items():
            n = [fold(s) for s in syllables(fn(a))].count(term)
            f = p + "_f"
            norm = 1 - cfg.b + cfg.b * snap.reader.doc_field_length(docnum, f) / snap.avglen[f]
            tf += cfg.boost(p) * n / norm
        want = idf * tf * (cfg.k1 + 1) / (tf + cfg.k1)
        head = any(term in [fold(s) for s in syllables(parts[p](a) or "")]
                   for p in ("title", "lead"))
        want *= 1 + cfg.head_weight * head
        assert h.score == pytest.approx(want, rel=1e-3), h.article.id


def test_long_accent_free_title_suggests_the_title_as_printed(search_engine, search_index):
    from newssearch.text.analysis import analyze

    checked = 0
    for a in search_index.articles[:60]:
        if not any(c in a.title for c in ",:-") or len(a.title.split()) < 9:
            continue
        syls = [t for t in analyze(a.title, words=False) if t.kind == "syl"]
        typed = " ".join(t.folded for t in syls)
        res = search_engine.search(typed)
        assert res.hits[0].article.id == a.id
        # From its first syllable to its last, punctuation and casing as printed.
        printed = a.title[syls[0].startchar:syls[-1].endchar]
        assert res.suggestions.accented == [printed], typed
        checked += 1
    assert checked >= 5


def test_long_query_gets_no_word_by_word_accent_guess(search_engine, search_index):
    from newssearch.text.analysis import analyze

    a, b = search_index.articles[3], search_index.articles[40]
    halves = [[t.folded for t in analyze(x.title, words=False) if t.kind == "syl"][:5]
              for x in (a, b)]
    typed = " ".join(halves[1] + halves[0])  # ten syllables no text holds in this order
    res = search_engine.search(typed)
    assert res.total > 0
    assert not res.suggestions.accented


def test_a_running_engine_keeps_its_index_when_the_new_one_cannot_open(sample_index_copy):
    """CURRENT removed, or naming a build that is not there: the open generation keeps
    answering (a fresh engine gets the clear error instead)."""
    from newssearch.errors import IndexProblem

    eng = SearchEngine(sample_index_copy, refresh_seconds=0)
    first = eng.search("phong tho")
    current = sample_index_copy / "CURRENT"
    name = current.read_text(encoding="utf-8")
    current.unlink()
    again = eng.search("phong tho")
    assert ids(again) == ids(first) and again.index_version == first.index_version
    current.write_text("no-such-build\n", encoding="utf-8")
    assert ids(eng.search("phong tho")) == ids(first)
    with pytest.raises(IndexProblem):
        SearchEngine(sample_index_copy).search("phong tho")
    current.write_text(name, encoding="utf-8")
    assert ids(eng.search("phong tho")) == ids(first)


def test_a_new_generation_is_warmed_before_it_replaces_the_live_one(sample_index_copy,
                                                                   sample_articles):
    """The warm hook runs on the new generation (searches on it through search_on) on a
    thread of its own: the reader who noticed the change, and every reader while it warms,
    get the live generation at once; only then does the engine switch."""
    import threading
    import time

    from newssearch.index.writer import update

    seen = []
    warming, release = threading.Event(), threading.Event()

    def warm(engine, snap):
        warming.set()
        assert release.wait(30)
        seen.append((snap.version, engine.search_on(snap, "phong tho").hits[0].article.id))

    eng = SearchEngine(sample_index_copy, refresh_seconds=0, warm=warm)
    old = eng.snapshot()
    assert not seen  # the first generation opens without the hook (the app warms it)
    changed = dataclasses.replace(sample_articles[5], title="Zorbaland mới")
    update(sample_index_copy, [changed], procs=1)
    assert eng.snapshot() is old  # noticed: the new one opens beside, this reader goes on
    assert warming.wait(30)
    assert eng.snapshot() is old and eng.search("Zorbaland").total == 0  # still warming
    release.set()
    deadline = time.monotonic() + 30
    while eng.snapshot() is old and time.monotonic() < deadline:
        time.sleep(0.01)
    new = eng.snapshot()
    assert new is not old and seen == [(new.version, SEED)]
    assert eng.search("Zorbaland").hits[0].article.id == changed.id


def test_filters_with_a_lone_surrogate_find_nothing_without_failing(search_engine):
    """Found by fuzzing the CLI: a tag with a lone surrogate (from undecodable argv bytes)
    crashed the tag lookup with UnicodeEncodeError."""
    bad = "a\udc80b"
    assert search_engine.search("phong tho", filters=Filters(tags=[bad])).total == 0
    everything = search_engine.search("").total
    assert search_engine.search("", filters=Filters(not_tags=[bad])).total == everything
    with pytest.raises(QueryError, match="not UTF-8"):  # in the query text: a clear 400
        search_engine.search(f'"{bad} tho"')


# ------------------------------------------------------------------ highlights
@pytest.mark.parametrize("q", ["hoc sinh", "học sinh", "lai châu"])
def test_highlights_mark_a_word_where_it_matched_whole(search_engine, q):
    res = search_engine.search(q, per_page=20)
    assert res.tier in ("exact", "whole") and res.hits
    marks = [m for h in res.hits for text in (h.title_html, *h.snippets)
             for m in re.findall(r"<mark>(.*?)</mark>", text)]
    assert marks and all(fold(normalize(html.unescape(m))) == fold(q) for m in marks), marks
