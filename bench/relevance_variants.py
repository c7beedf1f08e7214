"""Which token kinds should the index hold? Known-item MRR@10 per query type, by measurement.

    python bench/relevance_variants.py [--docs 5000] [--seed 0]

Six variants: {syllables, words, words+syllables} x {without, with folded fields}. Only the
token-kind choice varies; everything else is held fixed by a small in-memory BM25 (numpy)
that mirrors ``newssearch.search``: k1 = 1.2, b = 0.75 per field, boosts title 3 / lead 1.5 /
body 1; an accented query scores exact fields at weight 1 and folded twins at 0.5, an
accent-free query scores folded twins at weight 1 (variants without folded fields score
exact fields only, so accent-free queries fall back to whatever accent-free text the
articles hold); at most the 16 rarest query terms (stopwords last) take part.

Documents: every dev target article plus random others (seed) from the three corpora,
``--docs`` in all. Each text is analysed once with ``analyze(text)`` (pyvi words on) and
every variant is derived from those tokens (a separate ``analyze(text, words=False)`` pass
is only timed: it is all a syllables-only index would pay for):

* syllables: kind 'syl' + 'comp';
* words: pyvi words ('word'), the syllables no word covers, + 'comp';
* words+syllables: every token;
* folded: the same tokens' folded forms in twin fields title_f, lead_f, body_f.

Queries are analysed the same way and keep the same token kinds. Two rankings:
AND-first (documents holding every non-stopword query term first, then the rest, each
group by score; like the product, except that the product shows the OR tail only when
nothing matches all terms) and plain OR (score only). ``lead`` queries (the article's
sapo) are scored on title + body: with the lead field indexed they would be trivial.
Prints markdown tables; asserts nothing.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import time
from array import array
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from newssearch.ingest import IngestReport, iter_articles
from newssearch.search import RankingConfig
from newssearch.text.analysis import Token, analyze, is_folded, stopwords

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CORPORA = ["corpus_baomoi.jsonl.gz", "corpus_dantri.jsonl.gz", "corpus_vietnews.jsonl.gz"]
QTYPES = ["title", "title_noaccent", "keywords", "keywords_noaccent", "lead"]
_CFG = RankingConfig()  # the engine's shipped weights, not a copy of them
K1, B = _CFG.k1, _CFG.b
PARTS = ("title", "lead", "body")
PART_BOOST = {p: _CFG.boost(p) for p in ("title", "lead", "body")}
FOLDED_WEIGHT_ACCENTED = 0.5
MAX_UNITS = 16
TOP_K = 10
KINDS = ("syllables", "words", "words+syllables")
VARIANTS = [(kind, folded) for kind in KINDS for folded in (False, True)]


def select(toks: list[Token], kind: str) -> list[Token]:
    """The tokens a ``kind`` index holds, from one ``analyze(text)`` (words=True) result."""
    if kind == "syllables":
        return [t for t in toks if t.kind != "word"]
    if kind == "words+syllables":
        return toks
    covered: set[int] = set()
    for t in toks:
        if t.kind == "word":
            covered.update(range(t.pos, t.pos + t.text.count("_") + 1))
    return [t for t in toks if t.kind != "syl" or t.pos not in covered]


class FieldBuilder:
    """Term -> postings of one field, accumulated doc by doc, then frozen into CSR arrays."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self.tids = array("i")
        self.dids = array("i")
        self.tfs = array("i")
        self.lengths = array("i")

    def add(self, doc: int, terms: list[str]) -> None:
        c = Counter(terms)
        vocab = self.vocab
        self.tids.extend([vocab.setdefault(t, len(vocab)) for t in c])
        self.tfs.extend(c.values())
        self.dids.extend([doc] * len(c))
        self.lengths.append(len(terms))

    def freeze(self) -> FieldIndex:
        n = len(self.lengths)
        tids = np.frombuffer(self.tids, dtype=np.int32)
        order = np.argsort(tids, kind="stable")
        docs = np.frombuffer(self.dids, dtype=np.int32)[order]
        tf = np.frombuffer(self.tfs, dtype=np.int32)[order].astype(np.float32)
        dl = np.frombuffer(self.lengths, dtype=np.int32).astype(np.float32)
        avgdl = float(dl.mean()) or 1.0
        tfpart = tf * (K1 + 1) / (tf + K1 * (1 - B + B * dl[docs] / avgdl))
        df = np.bincount(tids, minlength=len(self.vocab))
        indptr = np.concatenate([[0], np.cumsum(df)])
        idf = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)
        return FieldIndex(self.vocab, indptr, docs, tfpart.astype(np.float32), idf, df)


@dataclass
class FieldIndex:
    vocab: dict[str, int]
    indptr: np.ndarray
    docs: np.ndarray
    tfpart: np.ndarray
    idf: np.ndarray
    df: np.ndarray

    def df_of(self, term: str) -> int:
        i = self.vocab.get(term)
        return 0 if i is None else int(self.df[i])

    def add_to(self, acc: np.ndarray, hit: np.ndarray | None, term: str, weight: float) -> None:
        i = self.vocab.get(term)
        if i is None:
            return
        s, e = self.indptr[i], self.indptr[i + 1]
        docs = self.docs[s:e]
        if weight:
            acc[docs] += self.tfpart[s:e] * np.float32(self.idf[i] * weight)
        if hit is not None:
            hit[docs] = True

    @property
    def postings(self) -> int:
        return len(self.docs)


def load(n_docs: int, seed: int) -> tuple[list, dict[str, str], list[dict]]:
    queries = [
        json.loads(x) for x in (DATA / "dev_queries.jsonl").open(encoding="utf-8") if x.strip()
    ]
    qrels: dict[str, str] = {}
    for line in (DATA / "dev_qrels.tsv").open(encoding="utf-8"):
        parts = line.split()
        if len(parts) >= 3 and parts[0] != "qid" and parts[2] != "0":
            qrels[parts[0]] = parts[1]
    report = IngestReport()
    articles = list(iter_articles([str(DATA / c) for c in CORPORA], report))
    targets = set(qrels.values())
    have = {a.id for a in articles}
    missing = targets - have
    if missing:
        sys.exit(f"{len(missing)} dev targets are not in the corpora, e.g. {min(missing)}")
    others = [a for a in articles if a.id not in targets]
    if n_docs < len(targets):
        sys.exit(f"--docs must be at least the {len(targets)} dev targets")
    rng = random.Random(seed)
    picked = rng.sample(others, min(n_docs - len(targets), len(others)))
    docs = [a for a in articles if a.id in targets] + picked
    rng.shuffle(docs)  # ties break by position: keep targets from sitting first
    return docs, qrels, queries


def fields_of(a) -> dict[str, str]:
    return {"title": a.title, "lead": a.lead or "", "body": "\n".join([*a.captions, *a.body])}


def build(docs: list) -> tuple[dict, dict, dict]:
    """Indexes per (kind, field name) and timings: analysis (shared) and per (kind, twin)."""
    texts = [fields_of(a) for a in docs]
    t0 = time.perf_counter()
    for ft in texts:
        for text in ft.values():
            analyze(text, words=False)
    t_syl_only = time.perf_counter() - t0
    t0 = time.perf_counter()
    analysed = [{part: analyze(text) for part, text in ft.items()} for ft in texts]
    t_analysis = time.perf_counter() - t0
    gc.freeze()  # millions of live tokens: keep full collections from timing themselves below
    builders = {(k, f): FieldBuilder() for k in KINDS for p in PARTS for f in (p, p + "_f")}
    spent = {(k, twin): 0.0 for k in KINDS for twin in ("exact", "folded")}
    for kind in KINDS:  # one pass per kind, so each is timed on its own
        t_kind = time.perf_counter()
        t_folded = 0.0
        for d, fields in enumerate(analysed):
            for part, toks in fields.items():
                sel = select(toks, kind)
                builders[kind, part].add(d, [x.text for x in sel])
                t = time.perf_counter()
                builders[kind, part + "_f"].add(d, [x.folded for x in sel])
                t_folded += time.perf_counter() - t
        spent[kind, "exact"] += time.perf_counter() - t_kind - t_folded
        spent[kind, "folded"] += t_folded
    index = {}
    for (kind, f), b in builders.items():
        t = time.perf_counter()
        index[kind, f] = b.freeze()
        spent[kind, "folded" if f.endswith("_f") else "exact"] += time.perf_counter() - t
    timing = {"analysis": t_analysis, "analysis_syllables_only": t_syl_only}
    return index, spent, timing


@dataclass
class Outcome:
    rank_and: int  # 0: not retrieved
    rank_or: int


def target_rank(score: np.ndarray, retrieved: np.ndarray, first: np.ndarray, tgt: int) -> int:
    """Rank of ``tgt`` under (first desc, score desc, position asc); 0 if not retrieved."""
    if not retrieved[tgt]:
        return 0
    s, f = score[tgt], first[tgt]
    better = retrieved & (
        (first > f) | ((first == f) & ((score > s) | ((score == s) & (np.arange(len(score)) < tgt))))
    )
    return int(better.sum()) + 1


def evaluate(index: dict, kind: str, folded: bool, queries: list[dict], qtoks: dict,
             target_of: dict[str, int], n: int) -> dict[str, list[Outcome]]:
    stops = stopwords()
    out: dict[str, list[Outcome]] = {t: [] for t in QTYPES}
    for q in queries:
        toks = qtoks[q["qid"]]
        accented = any(not is_folded(t.text) for t in toks)
        parts = ("title", "body") if q["type"] == "lead" else PARTS
        seen: dict[str, Token] = {}
        for t in select(toks, kind):
            seen.setdefault(t.text, t)
        terms = list(seen.values())

        # Candidates match as in the product: on the folded twins when the index has them.
        dfs = {
            t.text: max(
                index[kind, p + "_f"].df_of(t.folded) if folded else index[kind, p].df_of(t.text)
                for p in parts
            )
            for t in terms
        }
        if len(terms) > MAX_UNITS:  # the rarest terms, stopwords last
            ranked = sorted(terms, key=lambda t: (t.text in stops, dfs[t.text]))
            keep = {t.text for t in ranked[:MAX_UNITS]}
            terms = [t for t in terms if t.text in keep]
        score = np.zeros(n, dtype=np.float32)
        anymatch = np.zeros(n, dtype=bool)
        required = np.ones(n, dtype=bool)
        n_req = 0
        for t in terms:
            hit = np.zeros(n, dtype=bool)
            for p in parts:
                boost = PART_BOOST[p]
                if not folded:
                    index[kind, p].add_to(score, hit, t.text, boost)
                elif accented:
                    index[kind, p].add_to(score, None, t.text, boost)
                    index[kind, p + "_f"].add_to(score, hit, t.folded,
                                                 boost * FOLDED_WEIGHT_ACCENTED)
                else:
                    index[kind, p + "_f"].add_to(score, hit, t.folded, boost)
            anymatch |= hit
            if t.text not in stops:
                required &= hit
                n_req += 1
        if n_req == 0:
            required = anymatch
        tgt = target_of[q["qid"]]
        out[q["type"]].append(Outcome(
            rank_and=target_rank(score, anymatch, required & anymatch, tgt),
            rank_or=target_rank(score, anymatch, np.zeros(n, dtype=bool), tgt),
        ))
    return out


def metrics(ranks: list[int]) -> tuple[float, float, float]:
    if not ranks:
        return 0.0, 0.0, 0.0
    rr = [1 / r if 0 < r <= TOP_K else 0.0 for r in ranks]
    s1 = [r == 1 for r in ranks]
    s10 = [0 < r <= TOP_K for r in ranks]
    return sum(rr) / len(rr), sum(s1) / len(s1), sum(s10) / len(s10)


def name(kind: str, folded: bool) -> str:
    return kind + (" + folded" if folded else "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=5000, help="documents in the test index")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if not DATA.is_dir():
        sys.exit(f"{DATA} not found: this benchmark needs ../shared/data beside the project")
    t_start = time.perf_counter()
    docs, qrels, queries = load(args.docs, args.seed)
    pos = {a.id: i for i, a in enumerate(docs)}
    queries = [q for q in queries if q["qid"] in qrels and q["type"] in QTYPES]
    target_of = {q["qid"]: pos[qrels[q["qid"]]] for q in queries}
    n = len(docs)
    print(f"{n} documents ({len(set(target_of.values()))} dev targets), "
          f"{len(queries)} queries, seed {args.seed}", flush=True)

    index, spent, timing = build(docs)
    print(f"analysis, shared by all variants: analyze(words=True) {timing['analysis']:.1f} s; "
          f"analyze(words=False) over the same texts {timing['analysis_syllables_only']:.1f} s "
          f"(all a syllables-only index needs)", flush=True)
    qtoks = {q["qid"]: analyze(q["query"]) for q in queries}

    rows = []
    for kind, folded in VARIANTS:
        t = time.perf_counter()
        res = evaluate(index, kind, folded, queries, qtoks, target_of, n)
        t_eval = time.perf_counter() - t
        fnames = list(PARTS) + ([p + "_f" for p in PARTS] if folded else [])
        postings = sum(index[kind, f].postings for f in fnames) / n
        build_s = spent[kind, "exact"] + (spent[kind, "folded"] if folded else 0.0)
        rows.append((kind, folded, res, build_s, postings, t_eval))
        print(f"  evaluated {name(kind, folded)} in {t_eval:.1f} s", flush=True)

    for label, attr in (("AND-first (main)", "rank_and"), ("OR (plain sum)", "rank_or")):
        print(f"\n### MRR@10, {label} ranking, {n} docs\n")
        head = ["variant", *QTYPES, "all", "S@1 all", "S@10 all", "build s*", "postings/doc"]
        print("| " + " | ".join(head) + " |")
        print("|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|")
        for kind, folded, res, build_s, postings, _ in rows:
            cells = [name(kind, folded)]
            for qt in QTYPES:
                cells.append(f"{metrics([getattr(o, attr) for o in res[qt]])[0]:.3f}")
            every = [getattr(o, attr) for qt in QTYPES for o in res[qt]]
            mrr, s1, s10 = metrics(every)
            cells += [f"{mrr:.3f}", f"{s1:.3f}", f"{s10:.3f}", f"{build_s:.1f}", f"{postings:.0f}"]
            print("| " + " | ".join(cells) + " |")

    print(f"\n### success@1 / success@10, AND-first ranking, {n} docs\n")
    head = ["variant", *QTYPES]
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join(["---"] + ["---:"] * len(QTYPES)) + "|")
    for kind, folded, res, *_ in rows:
        cells = [name(kind, folded)]
        for qt in QTYPES:
            _, s1, s10 = metrics([o.rank_and for o in res[qt]])
            cells.append(f"{s1:.3f} / {s10:.3f}")
        print("| " + " | ".join(cells) + " |")
    print(
        "\n*build s: deriving this variant's terms from the shared analysis + building its "
        "postings (exact fields, + folded twins when listed); add the shared analysis time "
        f"({timing['analysis']:.1f} s with pyvi words; "
        f"{timing['analysis_syllables_only']:.1f} s for syllables only)."
        f"\nlead queries are scored on title + body only. "
        f"Total run time {time.perf_counter() - t_start:.0f} s."
    )


if __name__ == "__main__":
    main()
