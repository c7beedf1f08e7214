"""Topical relevance, graded 0/1/2 and judged blind: both topical sets, three or more systems.

    python bench/topical_eval.py run   --system ours|bm25 --index DIR --out RUN.jsonl [--set k=v]
    python bench/topical_eval.py pool  --runs RUN... --index DIR --n N     # /work/pool/...
    python bench/topical_eval.py merge --n N                               # grades -> bench/
    python bench/topical_eval.py score --runs RUN...                       # the figures
    python bench/topical_eval.py closeness --index DIR          # the looser-match test, graded

Sets: ``1`` is bench/topical_queries.jsonl (30 queries), ``2`` bench/topical2_queries.jsonl
(50, written before any result was seen). A run file holds, per query of both sets, the top 10
ids and the total a system lists. ``ours`` is ``SearchEngine.search`` of whatever code the
interpreter imports, so the code before a change runs from its own checkout and venv (only
``SearchEngine`` is used, which every version has); ``bm25`` is bench/topical.py's plain BM25
(Whoosh BM25F over accent-folded syllables OR-ed in title, lead and body).

Pools: ``pool`` writes every (query, article) pair of the runs' top 10s that has no grade yet,
ordered by a hash, with an item id that is a hash too (nothing says system or rank), and keeps
the item -> (set, qid, doc id) map in bench/pools/. An assessor who sees only that file grades
each item 0 (not on topic), 1 (partly) or 2 (on topic); ``merge`` adds the grades to
bench/topical2_judgments.tsv (set 2) and bench/topical_graded.tsv (set 1).

Scores: P@10 on topic (grade 2), P@10 at least partly (grade >= 1), nDCG@10 (gain = grade,
ideal from every graded article of the query), and how many queries list fewer than 10 results
while the judged pool holds 10 or more articles at least partly on topic. An ungraded hit
counts 0 and is reported.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
from pathlib import Path

HERE = Path(__file__).resolve().parent
SETS = {"1": HERE / "topical_queries.jsonl", "2": HERE / "topical2_queries.jsonl"}
GRADES = {"1": HERE / "topical_graded.tsv", "2": HERE / "topical2_judgments.tsv"}
POOLS = HERE / "pools"
POOL_DIR = Path("/work/pool")
INSTRUCTIONS = """\
# Topical relevance pool {n}: grade every item 0, 1 or 2 for its query's topic intent.
#   2 = on topic: the article is about what the intent describes (a reader typing the query
#       would be glad to find it);
#   1 = partly: related (the same subject from another angle, the topic is a secondary part of
#       the article, or only some of the intent's conditions hold: e.g. the right event in
#       another place);
#   0 = not on topic (shares words with the query but is about something else).
# Judge from the title and the start of the text; the order of items means nothing.
# Write one line per item to topical-{n}.graded.tsv: item_id<TAB>grade<TAB>short reason
# Columns below: item_id<TAB>query<TAB>topic intent<TAB>article title<TAB>start of the text
"""


def load_queries(which: str) -> list[dict]:
    with open(SETS[which], encoding="utf-8") as f:
        return [json.loads(x) for x in f if x.strip()]


def load_grades(which: str) -> dict[tuple[str, str], int]:
    """(qid, doc_id) -> grade. Not bench/topical.py's reader: this script also runs under the
    code before the package layout (``run --system ours`` with an old venv), so it imports
    nothing of the package at module level."""
    out: dict[tuple[str, str], int] = {}
    path = GRADES[which]
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                qid, doc_id, grade, *_ = line.split("\t")
                out[(qid, doc_id)] = int(grade)
    return out


def run(system: str, index: str, out: Path, overrides: list[str]) -> None:
    """Top 10 ids and totals of every query of both sets (``overrides``: RankingConfig
    ``name=value`` settings to try)."""
    if system == "ours":
        from newssearch.search import SearchEngine

        config = None
        if overrides:
            from dataclasses import replace

            from newssearch.index.ranking import RankingConfig

            kw = {k: type(getattr(RankingConfig(), k))(v)
                  for k, v in (o.split("=", 1) for o in overrides)}
            config = replace(RankingConfig(), **kw)
        engine = SearchEngine(index, config=config)

        def top(q: str) -> tuple[list[str], int]:
            res = engine.search(q, per_page=10, facets=False, snippets=False, suggest=False)
            return [h.article.id for h in res.hits], res.total
    else:
        from topical import Systems

        sys_ = Systems(index)

        def top(q: str) -> tuple[list[str], int]:
            ids = sys_.bm25(q)
            return ids, len(ids)
    with open(out, "w", encoding="utf-8") as f:
        for which in SETS:
            for q in load_queries(which):
                ids, total = top(q["query"])
                f.write(json.dumps({"set": which, "qid": q["qid"], "ids": ids,
                                    "total": total}) + "\n")
    print(f"wrote {out}")


def load_run(path: Path) -> dict[tuple[str, str], dict]:
    with open(path, encoding="utf-8") as f:
        return {(r["set"], r["qid"]): r for r in map(json.loads, f) if r}


def item_id(which: str, qid: str, doc_id: str) -> str:
    return hashlib.sha1(f"topical {which} {qid} {doc_id}".encode()).hexdigest()[:12]


def pool(runs: list[Path], index: str, n: int, pool_dir: Path) -> None:
    """The ungraded pairs of the runs' top 10s, blind, for the assessor."""
    from newssearch.search import SearchEngine

    engine = SearchEngine(index)
    loaded = [load_run(p) for p in runs]
    rows, mapping = [], []
    for which in SETS:
        graded = load_grades(which)
        for q in load_queries(which):
            ids: dict[str, None] = {}
            for r in loaded:
                ids.update(dict.fromkeys(r.get((which, q["qid"]), {"ids": []})["ids"]))
            for doc_id in ids:
                if (q["qid"], doc_id) in graded:
                    continue
                a = engine.article(doc_id)
                if a is None:
                    raise SystemExit(f"{doc_id} is not in {index}")
                iid = item_id(which, q["qid"], doc_id)
                text = " ".join(" ".join([a.lead or "", *a.body]).split())[:400]
                rows.append((iid, q["query"], q["topic"], " ".join(a.title.split()), text))
                mapping.append((iid, which, q["qid"], doc_id))
    rows.sort()
    pool_dir.mkdir(parents=True, exist_ok=True)
    POOLS.mkdir(exist_ok=True)
    out = pool_dir / f"topical-{n}.tsv"
    with open(out, "w", encoding="utf-8") as f:
        f.write(INSTRUCTIONS.format(n=n))
        f.writelines("\t".join(x.replace("\t", " ") for x in row) + "\n" for row in rows)
    with open(POOLS / f"topical-{n}.map.tsv", "w", encoding="utf-8") as f:
        f.write("# item_id\tset\tqid\tdoc_id (runs: "
                + ", ".join(p.name for p in runs) + ")\n")
        f.writelines("\t".join(m) + "\n" for m in sorted(mapping))
    (pool_dir / f"topical-{n}.ready").touch()
    print(f"{len(rows)} items written to {out} (map: bench/pools/topical-{n}.map.tsv)")


HEADER = """\
# Topical judgments, graded 0/1/2: qid<TAB>doc_id<TAB>grade<TAB>assessor's reason
# 2 on topic, 1 partly, 0 not, for the query's topic intent (bench/{queries}).
# Method: graded blind by an independent assessor agent who did not know which system returned
# what: the top 10s of the systems (the search before issue 20, the search after it, plain
# BM25) were pooled per query by bench/topical_eval.py pool, each (query, article) pair once,
# under a hash id, in hash order, with the title and the first 400 characters of the text.
"""


def merge(n: int, pool_dir: Path) -> None:
    """Add the assessor's grades of pool ``n`` to the judgments files."""
    mapping = {}
    for line in (POOLS / f"topical-{n}.map.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            iid, which, qid, doc_id = line.split("\t")
            mapping[iid] = (which, qid, doc_id)
    graded = pool_dir / f"topical-{n}.graded.tsv"
    added = {w: 0 for w in SETS}
    new: dict[str, list[str]] = {w: [] for w in SETS}
    for line in graded.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if not line.strip() or line.startswith("#") or parts[0] not in mapping:
            continue
        which, qid, doc_id = mapping[parts[0]]
        grade = int(parts[1].strip())
        if grade not in (0, 1, 2):
            raise SystemExit(f"bad grade in {line!r}")
        reason = parts[2].strip() if len(parts) > 2 else ""
        new[which].append(f"{qid}\t{doc_id}\t{grade}\t{reason} (pool {n})")
        added[which] += 1
    for which, lines in new.items():
        path = GRADES[which]
        have = load_grades(which)
        lines = [x for x in lines if tuple(x.split("\t")[:2]) not in have]
        if not path.exists():
            path.write_text(HEADER.format(queries=SETS[which].name), encoding="utf-8")
        with open(path, "a", encoding="utf-8") as f:
            f.writelines(x + "\n" for x in lines)
    missing = len(mapping) - sum(added.values())
    print(f"merged pool {n}: set 1 {added['1']}, set 2 {added['2']}; ungraded items {missing}")


def ndcg(gains: list[int], ideal: list[int]) -> float:
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains[:10]))
    best = sum(g / math.log2(i + 2) for i, g in enumerate(sorted(ideal, reverse=True)[:10]))
    return dcg / best if best else 0.0


def score(runs: list[Path], per_query: bool) -> None:
    loaded = {p.stem: load_run(p) for p in runs}
    print("| set | system | P@10 on topic | P@10 partly+ | nDCG@10 | short lists | ungraded |")
    print("|---|---|---|---|---|---|---|")
    for which in SETS:
        grades = load_grades(which)
        queries = load_queries(which)
        for name, r in loaded.items():
            p2 = p1 = nd = 0.0
            short = ungraded = 0
            for q in queries:
                row = r[(which, q["qid"])]
                g = [grades.get((q["qid"], d), 0) for d in row["ids"][:10]]
                ungraded += sum((q["qid"], d) not in grades for d in row["ids"][:10])
                ideal = [v for (qid, _), v in grades.items() if qid == q["qid"]]
                p2 += sum(x == 2 for x in g) / 10
                p1 += sum(x >= 1 for x in g) / 10
                nd += ndcg(g, ideal)
                if len(row["ids"]) < 10 and sum(v >= 1 for v in ideal) >= 10:
                    short += 1
                if per_query:
                    print(f"  {which} {name} {q['qid']} {q['query']!r}: {g} total {row['total']}")
            k = len(queries)
            print(f"| {which} | {name} | {p2 / k:.3f} | {p1 / k:.3f} | {nd / k:.3f} | {short} "
                  f"| {ungraded} |")


def closeness(index: str) -> None:
    """How the looser-match test's two signals (search/loose.py) agree with the grades: every
    graded article outside a query's best tier, by coverage and topic cosine, and the share
    on topic (2) and at least partly (>= 1) of those a rule would list."""
    import numpy as np

    from newssearch.search import SearchEngine
    from newssearch.search.loose import coverage
    from newssearch.search.matching import evaluate
    from newssearch.search.plan import build_plan
    from newssearch.search.querylang import Filters, parse
    from newssearch.search.topicvec import centroid_cosines

    snap = SearchEngine(index).snapshot()
    rows = []  # (grade, coverage, cosine)
    for which in SETS:
        grades = load_grades(which)
        for q in load_queries(which):
            pq = parse(q["query"])
            plan = build_plan(pq, snap.config.max_units)
            ev = evaluate(snap, pq, plan, Filters())
            best = np.flatnonzero(ev.mask)
            graded = {snap.docnum(d): g for (qid, d), g in grades.items() if qid == q["qid"]}
            cand = np.array(sorted(d for d in graded if d is not None and not ev.mask[d]),
                            dtype=np.int32)
            if ev.matcher is None or not len(best) or not len(cand):
                continue
            cov = coverage(snap, ev.matcher, plan, cand)[0]
            cos = centroid_cosines(snap, best, ev.scores[best], cand, snap.config.centroid_k)
            rows += [(graded[int(d)], float(a), float(b)) for d, a, b in zip(cand, cov, cos)]
    cfg = snap.config
    rules = {
        "every graded article outside the best tier": lambda c, t: True,
        "cosine < 0.5": lambda c, t: t < 0.5,
        "cosine >= 0.5": lambda c, t: t >= 0.5,
        "cosine >= 0.7": lambda c, t: t >= 0.7,
        "coverage >= 0.5, cosine >= 0.5": lambda c, t: c >= 0.5 and t >= 0.5,
        **{f"coverage >= 0.3, cosine >= 0.5, sum >= {x}": (
            lambda c, t, x=x: c >= 0.3 and t >= 0.5 and c + t >= x) for x in (1.0, 1.1, 1.2)},
        f"shipped (coverage >= {cfg.loose_min_coverage}, cosine >= {cfg.loose_min_cosine}, "
        f"sum >= {cfg.loose_closeness})": lambda c, t: (
            c >= cfg.loose_min_coverage and t >= cfg.loose_min_cosine
            and c + t >= cfg.loose_closeness),
    }
    print("| articles listed by | n | on topic | at least partly |\n|---|---|---|---|")
    for name, rule in rules.items():
        sel = [g for g, c, t in rows if rule(c, t)]
        if sel:
            print(f"| {name} | {len(sel)} | {sum(g == 2 for g in sel) / len(sel):.2f} | "
                  f"{sum(g >= 1 for g in sel) / len(sel):.2f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=["run", "pool", "merge", "score", "closeness"])
    ap.add_argument("--system", choices=["ours", "bm25"], default="ours")
    ap.add_argument("--index", default="/work/nsbench/full-old")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--runs", type=Path, nargs="*", default=[])
    ap.add_argument("--n", type=int)
    ap.add_argument("--pool-dir", type=Path, default=POOL_DIR,
                    help="where pools and the assessor's grades are (default /work/pool)")
    ap.add_argument("--per-query", action="store_true")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="a RankingConfig weight to try (run)")
    args = ap.parse_args()
    if args.command == "run":
        run(args.system, args.index, args.out, args.set)
    elif args.command == "pool":
        pool(args.runs, args.index, args.n, args.pool_dir)
    elif args.command == "merge":
        merge(args.n, args.pool_dir)
    elif args.command == "closeness":
        closeness(args.index)
    else:
        score(args.runs, args.per_query)


if __name__ == "__main__":
    main()
