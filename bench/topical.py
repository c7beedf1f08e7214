"""Topical precision: P@10 of thirty reader queries, judged blind against plain BM25.

    python bench/topical.py show  [--index DIR] [--system ours|bm25]   # top 10 to read
    python bench/topical.py pool  [--index DIR] --out pool.tsv         # unjudged, shuffled
    python bench/topical.py score [--index DIR]                        # P@10 from judgments

Queries: bench/topical_queries.jsonl, each with the topic a hit must be about, written before
any result was seen. Systems: ``ours`` is ``SearchEngine.search`` (relevance, top 10);
``bm25`` is plain BM25 from the same index: BM25 (k1 1.2, b 0.75) of the query's
accent-folded syllables in title_f, lead_f and body_f, summed as Whoosh's BM25F scores an OR
of them, no words, tiers or bonuses.

Judging (bench/topical_judgments.tsv): ``pool`` writes every (query, article) pair of both
top 10s that has no judgment yet, in an order that says nothing of system or rank (sorted by a
hash of query and id), with the title and the start of the lead; the judge marks each 1 (on
topic) or 0 and appends the rows to the judgments file. ``score`` prints P@10 per query and
kind for both systems; an article without a judgment counts as off topic and is reported.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np

from newssearch.index.schema import PART_FIELDS
from newssearch.search import SearchEngine
from newssearch.text.analysis import analyze

HERE = Path(__file__).resolve().parent
QUERIES = HERE / "topical_queries.jsonl"
JUDGMENTS = HERE / "topical_judgments.tsv"
FOLDED = tuple(f for _, f in PART_FIELDS.values())
K1 = 1.2  # BM25's; b is the index's (RankingConfig.b, 0.75) in the flat postings' norms


def load_queries() -> list[dict]:
    with open(QUERIES, encoding="utf-8") as f:
        return [json.loads(x) for x in f if x.strip()]


def load_judgments() -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    if JUDGMENTS.exists():
        for line in JUDGMENTS.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                qid, doc_id, rel, *_ = line.split("\t")
                out[(qid, doc_id)] = int(rel)
    return out


class Systems:
    """Top 10 ids (and articles) of both systems over one index."""

    def __init__(self, index: str):
        self.engine = SearchEngine(index)
        self.articles: dict[str, object] = {}

    def ours(self, query: str) -> list[str]:
        res = self.engine.search(query, per_page=10, facets=False, snippets=False,
                                 suggest=False)
        for h in res.hits:
            self.articles[h.article.id] = h.article
        return [h.article.id for h in res.hits]

    def bm25(self, query: str) -> list[str]:
        """Plain BM25 (k1 1.2, b 0.75) of each folded syllable in each folded field, summed
        (as Whoosh's BM25F scores an OR of terms), read from the flat postings (the Whoosh
        segments hold no text postings since the flat postings replaced them)."""
        snap = self.engine.snapshot()
        syls = dict.fromkeys(t.folded for t in analyze(query, words=False) if t.kind == "syl")
        scores = np.zeros(snap.n, dtype=np.float32)
        for s in syls:
            for f in FOLDED:
                p = snap.postings(f, s)
                if p is None:
                    continue
                docs = np.concatenate([d for d, _ in p.pieces])
                ntf = p.ntf()
                scores[docs] += np.float32(p.idf * (K1 + 1)) * ntf / (ntf + np.float32(K1))
        scores[~snap.live] = 0
        top = np.argsort(-scores, kind="stable")[:10]
        ids = []
        for d in top[scores[top] > 0]:
            a = snap.article(int(d))
            self.articles[a.id] = a
            ids.append(a.id)
        return ids

    def top(self, system: str, query: str) -> list[str]:
        return self.ours(query) if system == "ours" else self.bm25(query)


def show(sys_: Systems, system: str) -> None:
    for q in load_queries():
        print(f"\n## {q['qid']} {q['query']!r} ({q['kind']}; on topic: {q['topic']})")
        for rank, doc_id in enumerate(sys_.top(system, q["query"]), 1):
            a = sys_.articles[doc_id]
            print(f"{rank:2d}. {a.title} | {a.lead[:160]}")


def pool(sys_: Systems, out: Path) -> None:
    judged = load_judgments()
    rows = []
    for q in load_queries():
        ids = dict.fromkeys(sys_.top("ours", q["query"]) + sys_.top("bm25", q["query"]))
        for doc_id in ids:
            if (q["qid"], doc_id) not in judged:
                a = sys_.articles[doc_id]
                order = hashlib.sha1(f"{q['qid']} {doc_id}".encode()).hexdigest()
                lead = " ".join(a.lead.split())[:300]
                rows.append((q["qid"], order, doc_id, " ".join(a.title.split()), lead))
    rows.sort()
    with open(out, "w", encoding="utf-8") as f:
        for qid, _, doc_id, title, lead in rows:
            f.write(f"{qid}\t{doc_id}\t?\t{title}\t{lead}\n")
    print(f"{len(rows)} unjudged pairs written to {out}")


def score(sys_: Systems) -> None:
    judged = load_judgments()
    queries = load_queries()
    print("| qid | query | kind | ours P@10 | bm25 P@10 |\n|---|---|---|---|---|")
    sums: dict[tuple[str, str], list[float]] = {}
    unjudged = {"ours": 0, "bm25": 0}
    for q in queries:
        cells = []
        for system in ("ours", "bm25"):
            ids = sys_.top(system, q["query"])
            unjudged[system] += sum((q["qid"], d) not in judged for d in ids)
            p = sum(judged.get((q["qid"], d), 0) for d in ids) / 10
            cells.append(p)
            for kind in (q["kind"], "all"):
                sums.setdefault((system, kind), []).append(p)
        print(f"| {q['qid']} | {q['query']} | {q['kind']} | {cells[0]:.1f} | {cells[1]:.1f} |")
    kinds = sorted({k for _, k in sums}, key=lambda k: (k == "all", k))
    print("\n| kind | queries | ours P@10 | bm25 P@10 |\n|---|---|---|---|")
    for k in kinds:
        o, b = sums[("ours", k)], sums[("bm25", k)]
        print(f"| {k} | {len(o)} | {sum(o) / len(o):.3f} | {sum(b) / len(b):.3f} |")
    print(f"\nunjudged hits counted off topic: ours {unjudged['ours']}, "
          f"bm25 {unjudged['bm25']} (run `pool` and judge them)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=["show", "pool", "score"])
    ap.add_argument("--index", default="/tmp/nsbench/index")
    ap.add_argument("--system", choices=["ours", "bm25"], default="ours")
    ap.add_argument("--out", type=Path, default=Path("/tmp/topical_pool.tsv"))
    args = ap.parse_args()
    sys_ = Systems(args.index)
    if args.command == "show":
        show(sys_, args.system)
    elif args.command == "pool":
        pool(sys_, args.out)
    else:
        score(sys_)


if __name__ == "__main__":
    main()
