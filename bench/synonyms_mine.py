"""Candidate synonyms and regional variants, mined from the index, for review by hand.

    python bench/synonyms_mine.py --index DIR [--words trái_cây heo ...] [--top 8]
    python bench/synonyms_mine.py --index DIR --count data/synonyms_vi.tsv   # forms' counts

How: two words that name one thing are used in the same contexts but seldom side by side in
one article (a paper writes ``đỗ xe`` or ``đậu xe``, rarely both). So for each word, its
nearest words by the cosine of their rows in the build's topic-vector projection (LSA over
the corpus, index/vectors.py: words of similar contexts are near) are scored
``cosine * (1 - both / min(df))``, where ``both`` counts the articles holding the two words;
the candidates a related-but-different word would also pass (``giá`` / ``tăng``) are what
the review removes. Without ``--words``: the 600 most frequent multi-syllable words of the
vocabulary, plus the one-syllable words the regional lists are about.

``--count FILE``: for every form of a table (data/synonyms_vi.tsv, data/aliases_vi.tsv), the
articles printing it (its syllables side by side, accents as written), to check each form is
in the corpus.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from newssearch.index.vectors import TopicVectors
from newssearch.search import SearchEngine
from newssearch.search.phrases import phrase_docs
from newssearch.text.abbrev import spelling_syllables

EXACT = ("title", "lead", "body")


def docs_of(snap, term: str) -> np.ndarray:
    """Articles holding a pyvi word or syllable (exact form) in any part."""
    out = [np.zeros(0, dtype=np.int64)]
    for f in EXACT:
        p = snap.postings(f, term)
        if p is not None:
            m = np.zeros(snap.n, dtype=bool)
            p.mark(m, True)
            out.append(np.flatnonzero(m))
    return np.unique(np.concatenate(out))


def mine(index: str, words: list[str], top: int) -> None:
    engine = SearchEngine(index)
    snap = engine.snapshot()
    space = TopicVectors.load(snap.build.path)
    if space is None:
        raise SystemExit(f"{index} has no topic vectors")
    terms = space.terms
    at = {t: i for i, t in enumerate(terms)}
    proj = np.asarray(space.proj, dtype=np.float32)
    norms = np.linalg.norm(proj, axis=1)
    unit = proj / np.maximum(norms, 1e-9)[:, None]
    df: dict[str, np.ndarray] = {}
    if not words:
        counted = [(t, snap.df(EXACT, t)) for t in terms if "_" in t]
        words = [t for t, _ in sorted(counted, key=lambda x: -x[1])[:600]]
        words += ["heo", "lợn", "ngô", "bắp", "mè", "vừng", "lạc", "thìa", "muỗng"]
    eligible = np.array([snap.df(EXACT, t) >= 5 for t in terms])
    for w in words:
        i = at.get(w)
        if i is None:
            print(f"{w}: not in the vocabulary")
            continue
        sims = unit @ unit[i]
        sims[~eligible] = -1
        sims[i] = -1
        near = np.argsort(-sims)[: top * 4]
        dw = docs_of(snap, w)
        scored = []
        for j in near:
            t = terms[j]
            if t in w.split("_") or w in t.split("_"):
                continue
            dt = df.get(t)
            if dt is None:
                dt = df[t] = docs_of(snap, t)
            both = len(np.intersect1d(dw, dt, assume_unique=True))
            apart = 1 - both / max(1, min(len(dw), len(dt)))
            scored.append((float(sims[j]) * apart, t, float(sims[j]), len(dt), both))
        scored.sort(reverse=True)
        cells = ", ".join(f"{t} ({s:.2f}; cos {c:.2f}, df {d}, both {b})"
                          for s, t, c, d, b in scored[:top])
        print(f"{w} [df {len(dw)}]: {cells}")


def count(index: str, table: Path) -> None:
    snap = SearchEngine(index).snapshot()
    for line in table.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cells = []
        for form in line.split("\t"):
            syls = spelling_syllables(form)
            n = len(phrase_docs(snap, EXACT, syls)) if len(syls) > 1 else \
                len(docs_of(snap, syls[0]))
            cells.append(f"{form.strip()} {n}")
        print(" | ".join(cells))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", default="/work/nsbench/full-old")
    ap.add_argument("--words", nargs="*", default=[])
    ap.add_argument("--top", type=int, default=8)
    ap.add_argument("--count", type=Path)
    args = ap.parse_args()
    if args.count:
        count(args.index, args.count)
    else:
        mine(args.index, args.words, args.top)


if __name__ == "__main__":
    main()
