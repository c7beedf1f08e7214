"""Ranking weights swept on the dev set: MRR@10 per query type for each setting.

    python bench/tune_weights.py --index /tmp/nsbench/index [--queries Q --qrels R]

One weight moves at a time from the shipped values (title/lead/body boosts, the folded weight
for accented queries, the word and shingle bonuses, k1 and b), so the table shows how flat
the ground is around them. Prints figures; asserts nothing. Setting module constants is how
the engine reads its weights; a fresh engine per row, so nothing cached carries over.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from newssearch import evaluation
from newssearch import search as S

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
TYPES = ["title", "title_noaccent", "keywords", "keywords_noaccent", "lead"]

# (label, {constant: value}); PART_BOOST entries are written as "title", "lead", "body".
GRID: list[tuple[str, dict]] = [
    ("shipped", {}),
    ("title 2", {"title": 2.0}),
    ("title 4", {"title": 4.0}),
    ("title 5", {"title": 5.0}),
    ("title 6", {"title": 6.0}),
    ("lead 1", {"lead": 1.0}),
    ("lead 2", {"lead": 2.0}),
    ("lead 3", {"lead": 3.0}),
    ("body 0.5", {"body": 0.5}),
    ("body 1.5", {"body": 1.5}),
    ("title 4, lead 1", {"title": 4.0, "lead": 1.0}),
    ("title 4, lead 2", {"title": 4.0, "lead": 2.0}),
    ("folded 0.25", {"FOLDED_WEIGHT_ACCENTED": 0.25}),
    ("folded 0.75", {"FOLDED_WEIGHT_ACCENTED": 0.75}),
    ("word bonus 0", {"WORD_BONUS": 0.0}),
    ("word bonus 2", {"WORD_BONUS": 2.0}),
    ("shingles 0", {"SHINGLE_WEIGHT": 0.0}),
    ("shingles 0.5", {"SHINGLE_WEIGHT": 0.5}),
    ("shingles 2", {"SHINGLE_WEIGHT": 2.0}),
    ("stopwords 0.1", {"STOPWORD_WEIGHT": 0.1}),
    ("stopwords 1", {"STOPWORD_WEIGHT": 1.0}),
    ("k1 0.9", {"K1": 0.9}),
    ("k1 1.6", {"K1": 1.6}),
    ("b 0.5", {"B": 0.5}),
    ("b 0.9", {"B": 0.9}),
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
    shipped = {k: getattr(S, k) for k in ("FOLDED_WEIGHT_ACCENTED", "WORD_BONUS",
                                          "SHINGLE_WEIGHT", "STOPWORD_WEIGHT", "K1", "B")}
    boosts = dict(S.PART_BOOST)
    print("| setting | " + " | ".join(TYPES) + " | all |")
    print("|---" * (len(TYPES) + 2) + "|")
    for label, change in GRID:
        if args.only and label not in args.only:
            continue
        for k, v in shipped.items():
            setattr(S, k, change.get(k, v))
        S.PART_BOOST.clear()
        S.PART_BOOST.update({p: change.get(p, b) for p, b in boosts.items()})
        table = evaluation.score(qs, rel, evaluation.run_ranked(S.SearchEngine(args.index),
                                                                qs, 10))
        cells = [f"{table[t]['mrr@10']:.4f}" for t in TYPES]
        print(f"| {label} | " + " | ".join(cells) + f" | {table['all']['mrr@10']:.4f} |",
              flush=True)


if __name__ == "__main__":
    main()
