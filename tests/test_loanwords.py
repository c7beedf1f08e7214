"""Loanword spellings (data/loanwords_vi.tsv): each spelling finds the articles printing the
others, both ways and without diacritics, on real articles."""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from importlib import resources
from pathlib import Path

import pytest

from newssearch.index.writer import rebuild
from newssearch.ingest import IngestReport, iter_articles
from newssearch.model import Article
from newssearch.search import SearchEngine
from newssearch.text.abbrev import find, spelling_syllables
from newssearch.text.analysis import fold, normalize

GROUPS = [line.rstrip("\n").split("\t") for line in (
    resources.files("newssearch") / "data" / "loanwords_vi.tsv").read_text("utf-8").splitlines()
    if line.strip() and not line.startswith("#")]


def group_of(spelling: str) -> list[str]:
    return next(g for g in GROUPS if spelling in g)


def printed(spelling: str, text: str) -> bool:
    """Whether ``text`` prints ``spelling`` (case, accents as written; hyphen = space)."""
    syls = [re.escape(s) for s in key(spelling)]
    return re.search(r"(?<![\w-])" + r"[\s\-]+".join(syls) + r"(?![\w-])",
                     fold(normalize(text))) is not None


def key(spelling: str) -> tuple[str, ...]:
    """What a spelling matches: its accent-folded syllables."""
    return tuple(fold(s) for s in spelling_syllables(spelling))


def text_of(a: Article) -> str:
    return "\n".join([a.title, a.lead, *a.captions, *a.body])


def found(engine: SearchEngine, query: str) -> set[str]:
    """The articles the query matches (its best tier; the looser matches on the topic listed
    after it are search/loose.py's, tested in test_loose.py)."""
    res = engine.search(query, per_page=100, facets=False, snippets=False, suggest=False)
    assert res.total <= 100
    return {h.article.id for h in res.hits if not h.related}


def test_table_has_groups_of_distinct_forms() -> None:
    assert len(GROUPS) >= 40
    header = (resources.files("newssearch") / "data" / "loanwords_vi.tsv").read_text("utf-8")
    assert "corpus_" in header and "bench/loanwords.py" in header  # the method is stated
    for g in GROUPS:
        assert len({spelling_syllables(s) for s in g}) >= 2, g
        assert all(c == c.strip() and c for c in g), g


@pytest.mark.parametrize("typed", ["vaccine", "vắc xin", "vac xin", "vắc-xin", "vacxin",
                                   "covid", "email", "e-mail", "smartphone", "ôtô", "o to"])
def test_each_spelling_stands_for_its_whole_group(typed: str) -> None:
    syls = [normalize(s) for s in spelling_syllables(typed)]
    n, forms = find(syls, 0)
    assert n == len(syls)
    group = next(g for g in GROUPS if any(key(s) == key(typed) for s in g))
    assert {tuple(map(fold, f)) for f in forms} == {key(s) for s in group}


def test_vaccine_covid_finds_the_sample_articles_printing_vac_xin(search_engine, search_index):
    """No sample article prints "vaccine": they print "vắc xin"/"vắc-xin" and "Covid-19"."""
    vaccine = group_of("vaccine")
    texts = {a.id: text_of(a) for a in search_index.articles}
    assert not any(printed("vaccine", t) for t in texts.values())
    expected = {i for i, t in texts.items() if any(printed(s, t) for s in vaccine)
                and any(printed(s, t) for s in group_of("covid"))}
    assert expected
    assert found(search_engine, "vaccine covid") == expected
    assert found(search_engine, "vac xin covid") == expected
    # The reverse: every article printing a spelling of vaccine, whichever is typed.
    every = {i for i, t in texts.items() if any(printed(s, t) for s in vaccine)}
    assert found(search_engine, "vắc-xin") == found(search_engine, "vaccine") == every


@pytest.mark.parametrize("typed,other", [("smartphone", "điện thoại thông minh"),
                                         ("trực tuyến", "online"), ("ôtô", "ô tô")])
def test_sample_articles_printing_only_the_other_spelling(search_engine, search_index,
                                                          typed, other):
    only_other = {a.id for a in search_index.articles
                  if printed(other, text_of(a)) and not printed(typed, text_of(a))}
    assert only_other  # the sample has articles printing only the other spelling
    assert only_other <= found(search_engine, typed)


# ------------------------------------------------------- real articles of the shared corpora
SPELLINGS = ["vaccine", "vắc xin", "vắcxin", "virus", "virut", "email", "e-mail"]
PER_SPELLING = 3


@pytest.fixture(scope="module")
def loan_engine(shared_data: Path, tmp_path_factory) -> tuple[SearchEngine, dict[str, set[str]]]:
    """A real index of the first few shared-corpus articles printing each spelling and no
    other spelling of its word (so finding them can only come from the table)."""
    picked: dict[str, list[str]] = {s: [] for s in SPELLINGS}  # spelling -> JSON lines
    for name in ("corpus_vietnews.jsonl.gz", "corpus_baomoi.jsonl.gz"):
        with gzip.open(shared_data / name, "rt", encoding="utf-8") as f:
            for line in f:
                low = unicodedata.normalize("NFC", line).lower()
                for s in SPELLINGS:
                    if len(picked[s]) < PER_SPELLING and s.split()[0] in low:
                        d = json.loads(line)
                        text = " ".join([d["title"], d.get("lead", ""), d["body"]])
                        others = [o for o in group_of(s) if key(o) != key(s)]
                        if printed(s, text) and not any(printed(o, text) for o in others):
                            picked[s].append(line)
    tmp = tmp_path_factory.mktemp("loanwords")
    (tmp / "picked.jsonl").write_text("".join(dict.fromkeys(
        ln for v in picked.values() for ln in v)), encoding="utf-8")
    report = IngestReport()
    articles = list(iter_articles([str(tmp / "picked.jsonl")], report))
    assert not report.skipped
    rebuild(tmp / "index", articles, procs=1)
    return SearchEngine(tmp / "index"), {s: {json.loads(ln)["id"] for ln in v}
                                         for s, v in picked.items()}


@pytest.mark.parametrize("typed", SPELLINGS)
def test_real_articles_found_under_every_spelling(loan_engine, typed):
    engine, ids = loan_engine
    assert all(len(v) == PER_SPELLING for v in ids.values()), ids
    got = found(engine, typed)
    for s in group_of(typed):
        if s in ids:
            assert ids[s] <= got, (typed, s)
    assert found(engine, fold(typed)) == got  # typed without diacritics: the same
