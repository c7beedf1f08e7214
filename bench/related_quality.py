"""Related articles over the full shared corpus: topic coherence, duplicates, reading.

    python bench/related_quality.py [--index /tmp/nsbench/index] [--seed-page PATH]

- Coherence: for each dantri article, related restricted to dantri.com.vn (k=5), with the
  category and tag boosts off (content and time only) and on: share of the top 5 in the
  article's own category. Anchors (docs/related.md): TF-IDF cosine over syllables 0.61,
  random 0.10.
- Duplicates: related (k=5) for 1,000 random articles (seed 0): self results, pairs in a top
  5 that the detector calls the same story, pairs with equal normalized titles (folded, and
  NFC + casefold); the detector's cluster count over the index and five example clusters.
- Reading: the top 5 for the seed page (posted as text when it is not indexed) and for five
  articles of different sources and topics, with titles and reasons.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import time
import unicodedata
from collections import Counter
from itertools import combinations
from pathlib import Path

from newssearch.duplicates import DuplicateIndex, title_key
from newssearch.ingest import IngestReport, iter_articles
from newssearch.related import RelatedRequest, SeedText, related
from newssearch.search import SearchEngine

ROOT = Path(__file__).resolve().parents[1]
READING = ["dantri-news_sport_010", "dantri-news_health_005", "baomoi-22597228",
           "baomoi-22550397", "vietnews-test-008221"]
DANTRI = "dantri.com.vn"


def coherence(engine: SearchEngine, boosts: bool) -> tuple[float, int, dict[str, float]]:
    snap = engine.snapshot()
    src = snap.columns.src_keys.get(DANTRI)
    docs = [d for d in range(snap.n) if snap.live[d] and snap.columns.src_ids[d] == src]
    hits, total = 0, 0
    per_cat: dict[str, list[int]] = {}
    for d in docs:
        a = snap.article(d)
        res = related(engine, RelatedRequest(article_id=a.id, k=5, sources=(DANTRI,),
                                             boosts=boosts))
        same = sum(i.article.category == a.category for i in res.items)
        hits += same
        total += len(res.items)
        per_cat.setdefault(a.category, [0, 0])
        per_cat[a.category][0] += same
        per_cat[a.category][1] += len(res.items)
    return hits / max(total, 1), len(docs), {c: h / max(t, 1) for c, (h, t) in per_cat.items()}


def nfc_title(t: str) -> str:
    return " ".join(unicodedata.normalize("NFC", t).casefold().split())


def duplicates(engine: SearchEngine, n: int) -> None:
    snap = engine.snapshot()
    t0 = time.perf_counter()
    dups = DuplicateIndex.of(snap)
    print(f"duplicate detector built in {time.perf_counter() - t0:.1f} s")
    live = [d for d in range(snap.n) if snap.live[d]]
    sample = random.Random(0).sample(live, min(n, len(live)))
    selfs = same_story = same_folded = same_nfc = results = 0
    for d in sample:
        a = snap.article(d)
        res = related(engine, RelatedRequest(article_id=a.id, k=5))
        got = [(snap.docnum(i.article.id), i.article) for i in res.items]
        results += len(got)
        selfs += sum(x == d for x, _ in got)
        for (x, ax), (y, ay) in combinations(got, 2):
            same_story += dups.same_story(x, y)
            kx, ky = title_key(ax.title), title_key(ay.title)
            same_folded += kx is not None and kx == ky
            same_nfc += nfc_title(ax.title) == nfc_title(ay.title)
    print(f"{len(sample)} random articles, {results} results: self {selfs}, same-story pairs "
          f"in a top 5 {same_story}, equal folded titles {same_folded}, equal NFC titles "
          f"{same_nfc}")
    clusters = dups.clusters()
    sizes = Counter(len(c) for c in clusters)
    print(f"clusters of copies in the index: {len(clusters)} holding "
          f"{sum(len(c) for c in clusters)} articles; sizes {dict(sorted(sizes.items()))}")
    for c in random.Random(1).sample(clusters, min(5, len(clusters))):
        print("  cluster (first = kept):")
        for d in c:
            a = snap.article(d)
            day = a.published.date().isoformat() if a.published else "undated"
            print(f"    {a.id:<24} {day:<10} {a.title[:90]}")


def show(title: str, res) -> None:
    print(f"\n### {title}\nkey terms: {', '.join(res.terms[:10])}")
    for i, item in enumerate(res.items, 1):
        a = item.article
        print(f"{i}. {a.title} ({a.id}, {a.category or a.source}) — {item.reason.text()}")


def reading(engine: SearchEngine, seed_page: Path) -> None:
    seed_id = "seed_phong_tho.txt"
    res = related(engine, RelatedRequest(article_id=seed_id, k=5))
    if res is None:  # not in this index: post it as text, as a partner page would
        report = IngestReport()
        page = next(iter(iter_articles([str(seed_page)], report)))
        res = related(engine, RelatedRequest(text=SeedText.from_article(page), k=5))
        show(f"seed page (posted as text): {page.title}", res)
    else:
        show(f"seed page: {engine.article(seed_id).title}", res)
    for aid in READING:
        a = engine.article(aid)
        if a is not None:
            show(f"{a.title} ({aid}, {a.category or a.source})",
                 related(engine, RelatedRequest(article_id=aid, k=5)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", default="/tmp/nsbench/index")
    ap.add_argument("--seed-page", default=str(ROOT / "sample" / "seed_phong_tho.txt"))
    ap.add_argument("--sample", type=int, default=1000)
    args = ap.parse_args()
    engine = SearchEngine(args.index)
    print(f"index {args.index}: {engine.snapshot().doc_count} articles")
    duplicates(engine, args.sample)
    for boosts in (False, True):
        share, n, per_cat = coherence(engine, boosts)
        label = "on" if boosts else "off (content and time only)"
        print(f"\ncoherence, boosts {label}: {share:.3f} of the top 5 in the article's own "
              f"category, over {n} dantri articles")
        print("  " + ", ".join(f"{c} {v:.2f}" for c, v in sorted(per_cat.items())))
    reading(engine, Path(args.seed_page))


if __name__ == "__main__":
    main()
