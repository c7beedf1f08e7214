"""Related articles over the full shared corpus: topic coherence, duplicates, reading.

    python bench/related_quality.py [--index /tmp/nsbench/index] [--seed-page PATH]
                                    [--parts coherence,duplicates,reading] [--sweep]

- Coherence: for each dantri article, related restricted to dantri.com.vn (k=5), with the
  category and tag boosts off (content and time only) and on: share of the top 5 in the
  article's own category. Anchors (docs/related.md): TF-IDF cosine over syllables 0.61,
  random 0.10. Also per half: the articles sorted by id, even positions (A: where settings
  were chosen) and odd positions (B: held out), against overfitting.
- ``--sweep``: coherence with the boosts off for the configuration variants in ``SWEEP``.
- Duplicates: related (k=5) for 1,000 random articles (seed 0): self results, pairs in a top
  5 that the detector calls the same story, pairs with equal normalized titles (folded, and
  NFC + casefold); the detector's cluster count over the index and five example clusters.
- Reading: the top 5 for the seed page (posted as text when it is not indexed) and for five
  articles of different sources and topics, with titles and reasons.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import time
import unicodedata
from collections import Counter
from itertools import combinations
from pathlib import Path

from newssearch.ingest import IngestReport, iter_articles
from newssearch.related.config import RelatedConfig
from newssearch.related.engine import RelatedRequest, SeedText, related
from newssearch.search import SearchEngine
from newssearch.search.duplicates import DuplicateIndex
from newssearch.text.storykey import title_key

ROOT = Path(__file__).resolve().parents[1]
READING = ["dantri-news_sport_010", "dantri-news_health_005", "baomoi-22597228",
           "baomoi-22550397", "vietnews-test-008221"]
DANTRI = "dantri.com.vn"
SWEEP = {  # RelatedConfig fields changed from the shipped defaults
    "shipped": {},
    "topic vectors off": {"vector_weight": 0.0},
    "vector weight 0.5 / 0.85": ({"vector_weight": 0.5}, {"vector_weight": 0.85}),
    "no consensus (key terms, BM25F, time; vectors if any)": {"consensus_weight": 0.0},
    "consensus weight 0.4 / 0.6": ({"consensus_weight": 0.4}, {"consensus_weight": 0.6}),
    "2 / 4 voters": ({"consensus_voters": 2}, {"consensus_voters": 4}),
    "pool 20 / 50": ({"consensus_pool": 20}, {"consensus_pool": 50}),
    "time weight 0": {"time_weight": 0.0},
    "time weight 0.5, half-life 60 days": {"time_weight": 0.5, "time_half_life_days": 60.0},
    "syllable weight 0 / 0.1": ({"syllable_weight": 0.0}, {"syllable_weight": 0.1}),
    "40 / 100 terms": ({"max_terms": 40}, {"max_terms": 100}),
    "5,000 body chars": {"body_chars": 5000},
    "df <= 30%, 100 terms": {"max_df_share": 0.3, "max_terms": 100},
    "full part weights (power 1)": {"part_power": 1.0},
}


@dataclasses.dataclass
class Coherence:
    share: float  # of the top 5 in the seed's own category, all seeds
    halves: tuple[float, float]  # A (even positions by id), B (odd)
    seeds: int
    per_cat: dict[str, float]


def coherence(engine: SearchEngine, boosts: bool,
              cfg: RelatedConfig | None = None) -> Coherence:
    snap = engine.snapshot()
    src = snap.columns.src_keys.get(DANTRI)
    docs = [d for d in range(snap.n) if snap.live[d] and snap.columns.src_ids[d] == src]
    arts = sorted((snap.article(d) for d in docs), key=lambda a: a.id)
    hits, total = [0, 0], [0, 0]
    per_cat: dict[str, list[int]] = {}
    for pos, a in enumerate(arts):
        res = related(engine, RelatedRequest(article_id=a.id, k=5, sources=(DANTRI,),
                                             boosts=boosts), cfg)
        same = sum(i.article.category == a.category for i in res.items)
        hits[pos % 2] += same
        total[pos % 2] += len(res.items)
        per_cat.setdefault(a.category, [0, 0])
        per_cat[a.category][0] += same
        per_cat[a.category][1] += len(res.items)
    return Coherence(sum(hits) / max(sum(total), 1),
                     (hits[0] / max(total[0], 1), hits[1] / max(total[1], 1)), len(arts),
                     {c: h / max(t, 1) for c, (h, t) in per_cat.items()})


def sweep(engine: SearchEngine) -> None:
    print("\ncoherence sweep, boosts off (A = even positions by id, B = odd)")
    for label, variants in SWEEP.items():
        runs = variants if isinstance(variants, tuple) else (variants,)
        figures = []
        for kw in runs:
            c = coherence(engine, False, dataclasses.replace(RelatedConfig(), **kw))
            figures.append(f"A {c.halves[0]:.3f} B {c.halves[1]:.3f} all {c.share:.3f}")
        print(f"  {label:<40} " + " / ".join(figures), flush=True)


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
    ap.add_argument("--parts", default="coherence,duplicates,reading",
                    help="which measurements, comma-separated (coherence, duplicates, reading)")
    ap.add_argument("--sweep", action="store_true",
                    help="also coherence (boosts off) for each configuration variant in SWEEP")
    args = ap.parse_args()
    parts = set(args.parts.split(","))
    engine = SearchEngine(args.index)
    print(f"index {args.index}: {engine.snapshot().doc_count} articles")
    if "duplicates" in parts:
        duplicates(engine, args.sample)
    for boosts in (False, True) if "coherence" in parts else ():
        c = coherence(engine, boosts)
        label = "on" if boosts else "off (content and time only)"
        print(f"\ncoherence, boosts {label}: {c.share:.3f} of the top 5 in the article's own "
              f"category, over {c.seeds} dantri articles (half A {c.halves[0]:.3f}, "
              f"half B {c.halves[1]:.3f})")
        print("  " + ", ".join(f"{k} {v:.2f}" for k, v in sorted(c.per_cat.items())))
    if args.sweep:
        sweep(engine)
    if "reading" in parts:
        reading(engine, Path(args.seed_page))


if __name__ == "__main__":
    main()
