"""The relevance loop: run known-item queries, write TREC runs, score MRR@10 per query type."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TextIO
from urllib.parse import quote, unquote

RUN_TAG = "newssearch"


@dataclass
class Query:
    qid: str
    query: str
    type: str


def read_queries(path: str) -> list[Query]:
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                d = json.loads(line)
                out.append(Query(d["qid"], d["query"], d.get("type", "all")))
    return out


def read_qrels(path: str) -> dict[str, set[str]]:
    rel: dict[str, set[str]] = defaultdict(set)
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            # Tab-separated (ids may hold spaces), else whitespace (TREC: qid 0 docid rel).
            parts = line.split("\t") if "\t" in line else line.split()
            if len(parts) == 4 and parts[1] == "0":
                parts = [parts[0], parts[2], parts[3]]
            if len(parts) == 3 and parts[0] != "qid" and parts[2].strip() not in ("", "0"):
                rel[parts[0]].add(parts[1])
    return dict(rel)


def trec_id(doc_id: str) -> str:
    """Run files are whitespace-separated: encode the few characters that would break them."""
    return quote(doc_id, safe="") if any(c.isspace() or c == "%" for c in doc_id) else doc_id


def run_ranked(engine, queries: Iterable[Query], k: int) -> dict[str, list[tuple[str, float]]]:
    run = {}
    for q in queries:
        res = engine.search(q.query, per_page=k, facets=False, snippets=False, suggest=False)
        run[q.qid] = [(h.article.id, h.score) for h in res.hits]
    return run


def write_run(engine, queries: Iterable[Query], out: TextIO, k: int) -> int:
    n = 0
    for qid, hits in run_ranked(engine, queries, k).items():
        for rank, (doc_id, score) in enumerate(hits, 1):
            out.write(f"{qid} Q0 {trec_id(doc_id)} {rank} {score:.4f} {RUN_TAG}\n")
            n += 1
    return n


def read_run(path: str) -> dict[str, list[tuple[str, float]]]:
    run: dict[str, list[tuple[int, str, float]]] = defaultdict(list)
    with open(path, encoding="utf-8") as f:
        for line in f:
            p = line.split()
            if len(p) >= 5:
                run[p[0]].append((int(p[3]), unquote(p[2]), float(p[4])))
    return {q: [(d, s) for _, d, s in sorted(v)] for q, v in run.items()}


def score(queries: list[Query], qrels: dict[str, set[str]],
          run: dict[str, list[tuple[str, float]]]) -> dict[str, dict[str, float]]:
    """Per type (and 'all'): MRR@10, success@1, success@10 and the query count."""
    acc: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    for q in queries:
        if q.qid not in qrels:
            continue
        ids = [d for d, _ in run.get(q.qid, [])][:10]
        rel = qrels[q.qid]
        rank = next((i for i, d in enumerate(ids, 1) if d in rel or trec_id(d) in rel), None)
        row = (1 / rank if rank else 0.0, 1.0 if rank == 1 else 0.0, 1.0 if rank else 0.0)
        acc[q.type].append(row)
        acc["all"].append(row)
    return {
        t: {"mrr@10": sum(r[0] for r in rows) / len(rows),
            "success@1": sum(r[1] for r in rows) / len(rows),
            "success@10": sum(r[2] for r in rows) / len(rows), "queries": len(rows)}
        for t, rows in acc.items()
    }


def format_table(table: dict[str, dict[str, float]]) -> str:
    order = sorted(table, key=lambda t: (t == "all", t))
    lines = ["| type | queries | MRR@10 | success@1 | success@10 |", "|---|---|---|---|---|"]
    for t in order:
        r = table[t]
        lines.append(f"| {t} | {r['queries']} | {r['mrr@10']:.4f} | {r['success@1']:.4f} | "
                     f"{r['success@10']:.4f} |")
    return "\n".join(lines)
