"""Extracted tags at index time, under the name statistics kept beside a build's segments.

Why a file per build: the statistics that decide what is a name (``text.tags.NameStats``)
are counted over the articles a rebuild writes, so ``optimize`` or a rebuild refreshes them;
an update reads them and tags its new articles at once (no rebuild needed to tag). A
rebuild tags under the statistics of the build it replaces (or the shared corpora's
baseline for a new index) and leaves its own counts for the next one. Both are combined
with the baseline key by key (the larger count wins), so a small index still knows the names
the shared corpora taught.
"""

from __future__ import annotations

import os
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from newssearch.model import Article
from newssearch.text.tags import Extractor, NameStats, baseline

STATS_FILE = "tagnames.tsv"
MIN_DOCS = 2  # a key counted in fewer documents of a build is not kept in its file


def stats_path(build_path: Path) -> Path:
    return build_path / STATS_FILE


def save(build_path: Path, stats: NameStats) -> None:
    """Write a build's counts (by rename: files of a build never change in place)."""
    tmp = build_path / (STATS_FILE + ".tmp")
    tmp.write_text("\n".join(stats.to_lines(MIN_DOCS)) + "\n", encoding="utf-8")
    os.replace(tmp, stats_path(build_path))


def carry(old_build: Path | None, new_build: Path) -> None:
    """A rebuild starts from the statistics of the build it replaces."""
    if old_build is not None and stats_path(old_build).is_file():
        stats_path(new_build).write_bytes(stats_path(old_build).read_bytes())


def extractor(build_path: Path) -> Extractor:
    """The extractor for articles written into this build (cached per file version)."""
    p = stats_path(build_path)
    try:
        st = p.stat()
        stamp = (str(p), st.st_mtime_ns, st.st_size)
    except FileNotFoundError:
        stamp = ("", 0, 0)
    return _extractor(stamp)


@lru_cache(maxsize=2)
def _extractor(stamp: tuple[str, int, int]) -> Extractor:
    stats = baseline()
    if stamp[0]:
        own = NameStats.from_lines(Path(stamp[0]).read_text(encoding="utf-8").splitlines())
        stats = stats.maxed(own)
    return Extractor(stats)


def tag(ex: Extractor, article: Article, counts: NameStats | None = None) -> Article:
    """The article with its extracted tags (the publisher's ``tags`` untouched); its runs are
    added to ``counts`` when given (a rebuild counting its corpus)."""
    a = ex.analyse(article.title, article.lead or "", "\n".join(article.body))
    if counts is not None:
        counts.add(a)
    return replace(article, extracted_tags=ex.select(a.found, a.lower, article.title))
