"""The facet sidebar: every value links to a filtered search, a chosen value is marked (its
link removes it) and the other values of that facet stay visible.

For category, source and month the counts of a chosen facet come from the same search without
that facet's own filter (one small extra search per chosen facet), so readers see what else
they could pick. Tags combine with AND, so their counts already are the useful ones.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace

from newssearch.search import SearchRequest, SearchResult
from newssearch.text import sources
from newssearch.web import links
from newssearch.web.fmt import month_vi
from newssearch.web.searching import run

TITLES = {"category": "Chuyên mục", "tags": "Chủ đề", "names": "Người, nơi chốn, tổ chức",
          "source": "Nguồn", "month": "Tháng"}
ORDER = ("category", "tags", "names", "source", "month")
# Facet -> the Filters field that a click on one of its values sets. An extracted tag
# filters like a publisher's: ``tag=`` finds both kinds.
FILTER_FIELDS = {"tags": "tags", "names": "tags", "category": "categories",
                 "source": "sources"}
DISJUNCTIVE = ("category", "source", "month")


@dataclass
class Entry:
    label: str
    count: int
    url: str
    selected: bool


@dataclass
class Group:
    name: str
    title: str
    entries: list[Entry]


def _nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


def _values(result: SearchResult, name: str) -> list[tuple[str, int]]:
    return [(f.value, f.count) for f in result.facets.get(name, [])]


def _chosen(p: SearchRequest, name: str) -> set[str]:
    if name == "month":
        f = p.filters
        if f.date_from and f.date_to and (f.date_from.year, f.date_from.month) == (
                f.date_to.year, f.date_to.month):
            value = f"{f.date_from.year:04d}-{f.date_from.month:02d}"
            if links.month_range(value) == (f.date_from, f.date_to):
                return {value}
        return set()
    return {_nfc(v) for v in getattr(p.filters, FILTER_FIELDS[name])}


def _without_own_filter(p: SearchRequest, name: str) -> list[tuple[str, int]]:
    if name == "month":
        flt = replace(p.filters, date_from=None, date_to=None)
    else:
        flt = replace(p.filters, **{FILTER_FIELDS[name]: []})  # type: ignore[arg-type]
    other = run(replace(p, filters=flt), page=1, per_page=1, facets=(name,), snippets=False,
                suggest=False)
    return _values(other, name)


def _entry(name: str, value: str, count: int, selected: bool) -> Entry:
    if name == "month":
        url = links.with_(from_=None, to=None) if selected else links.month_url(value)
        return Entry(month_vi(value), count, url, selected)
    param = links.FILTER_PARAMS[name]
    url = links.remove(param, value) if selected else links.add(param, value)
    return Entry(sources.name(value) or value if name == "source" else value, count, url,
                 selected)


def sidebar(p: SearchRequest, result: SearchResult) -> list[Group]:
    groups = []
    for name in ORDER:
        chosen = _chosen(p, name)
        values = _values(result, name)
        if chosen and name in DISJUNCTIVE:
            values = _without_own_filter(p, name)
        seen = {_nfc(v) for v, _ in values}
        if name == "tags":  # a chosen tag listed among the extracted ones shows there only
            seen |= {_nfc(v) for v, _ in _values(result, "names")}
        # A chosen value outside the listed top values still shows, to be removable (a
        # chosen tag in the publisher's group: ``tag=`` does not say which kind it is).
        if name != "names":
            values += [(v, result.total) for v in sorted(chosen - seen)]
        if name == "month":
            values.sort(reverse=True)  # newest first: readers look for recent news
        entries = [_entry(name, v, n, _nfc(v) in chosen) for v, n in values]
        if entries:
            groups.append(Group(name, TITLES[name], entries))
    return groups
