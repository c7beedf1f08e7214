"""Ranking weights swept on the dev set: MRR@10 per query type for each setting.

    python bench/tune_weights.py --index /tmp/nsbench/index [--queries Q --qrels R]

One weight moves at a time from the shipped values (title/lead/body boosts, the folded weight
for accented queries, the word and shingle bonuses, k1 and b), so the table shows how flat
the ground is around them. Prints figures; asserts nothing. Each row is a fresh engine with
its own ``RankingConfig`` (``dataclasses.replace`` of the shipped one), so nothing carries over.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from newssearch.ops import evaluation
from newssearch.search import RankingConfig, SearchEngine

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
TYPES = ["title", "title_noaccent", "keywords", "keywords_noaccent", "lead"]

# (label, {RankingConfig field: value}); each row is the shipped config with these replaced.
GRID: list[tuple[str, dict]] = [
    ("shipped", {}),
    ("title 2", {"title_boost": 2.0}),
    ("title 4", {"title_boost": 4.0}),
    ("title 5", {"title_boost": 5.0}),
    ("title 6", {"title_boost": 6.0}),
    ("lead 1", {"lead_boost": 1.0}),
    ("lead 2", {"lead_boost": 2.0}),
    ("lead 3", {"lead_boost": 3.0}),
    ("body 0.5", {"body_boost": 0.5}),
    ("body 1.5", {"body_boost": 1.5}),
    ("title 4, lead 1", {"title_boost": 4.0, "lead_boost": 1.0}),
    ("title 4, lead 2", {"title_boost": 4.0, "lead_boost": 2.0}),
    ("folded 0.25", {"folded_weight_accented": 0.25}),
    ("folded 0.75", {"folded_weight_accented": 0.75}),
    ("word bonus 0", {"word_bonus": 0.0}),
    ("word bonus 2", {"word_bonus": 2.0}),
    ("shingles 0", {"shingle_weight": 0.0}),
    ("shingles 0.5", {"shingle_weight": 0.5}),
    ("shingles 2", {"shingle_weight": 2.0}),
    ("stopwords 0.1", {"stopword_weight": 0.1}),
    ("stopwords 1", {"stopword_weight": 1.0}),
    ("k1 0.9", {"k1": 0.9}),
    ("k1 1.6", {"k1": 1.6}),
    ("b 0.5", {"b": 0.5}),
    ("b 0.9", {"b": 0.9}),
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", default="/tmp/nsbench/index")
    ap.add_argument("--queries", default=str(DATA / "dev_queries.jsonl"))
    ap.add_argument("--qrels", default=str(DATA / "dev_qrels.tsv"))
    ap.add_argument("--only", nargs="*", help="labels of the rows to run (default: all)")
    args = ap.parse_args()
    qs = evaluation.read_queries(args.queries)
    rel = evaluation.read_qrels(args.qrels)
    print("| setting | " + " | ".join(TYPES) + " | all |")
    print("|---" * (len(TYPES) + 2) + "|")
    for label, change in GRID:
        if args.only and label not in args.only:
            continue
        engine = SearchEngine(args.index, config=replace(RankingConfig(), **change))
        table = evaluation.score(qs, rel, evaluation.run_ranked(engine, qs, 10))
        cells = [f"{table[t]['mrr@10']:.4f}" for t in TYPES]
        print(f"| {label} | " + " | ".join(cells) + f" | {table['all']['mrr@10']:.4f} |",
              flush=True)


if __name__ == "__main__":
    main()
