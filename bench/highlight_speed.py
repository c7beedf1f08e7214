"""Micro-benchmark of highlighting: ms per ``mark_text`` call on a title and per ``snippets`` call
on a real body (lead + captions + body, as a search hit builds it).

    python bench/highlight_speed.py [--articles 500] [--repeat 5] [--module FILE]

Articles: the first half of ``--articles`` from corpus_vietnews, the rest from corpus_baomoi
(../shared/data). Query terms per article: 3 syllables of its own title (seeded choice),
normalized for ``exact`` and folded for ``folded`` (what a search page passes for an accented
or an accent-free query), plus a query that matches nothing (the fallback path). Each mode runs
``--repeat`` passes over all articles; the fastest pass is reported (caches warm, as in a
server). ``--module`` times another implementation file defining ``mark_text`` and
``snippets``, e.g. the committed one: ``git show HEAD:src/newssearch/highlight.py > /tmp/old.py``.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import random
import sys
import time
from pathlib import Path

from newssearch.text.analysis import TOKEN_RE, fold, normalize

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CORPORA = ("corpus_vietnews.jsonl.gz", "corpus_baomoi.jsonl.gz")


def load(n: int) -> list[tuple[str, str]] | None:
    """(title, body) of the first n/2 articles of each corpus, or None when data is absent."""
    out: list[tuple[str, str]] = []
    per = [n // 2, n - n // 2]
    for name, want in zip(CORPORA, per):
        path = DATA / name
        if not path.is_file():
            return None
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                if want <= 0:
                    break
                d = json.loads(line)
                if not TOKEN_RE.search(d.get("title") or ""):
                    continue
                body = "\n".join([d.get("lead") or "", *(d.get("captions") or []), d["body"]])
                out.append((d["title"], body))
                want -= 1
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--module", help="implementation file to time instead of newssearch.search.highlight")
    args = ap.parse_args()

    if args.module:
        spec = importlib.util.spec_from_file_location("highlight_under_test", args.module)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = mod  # dataclasses look their module up there
        spec.loader.exec_module(mod)
        label = args.module
    else:
        from newssearch.search import highlight as mod

        label = "newssearch.search.highlight"

    docs = load(args.articles)
    if docs is None:
        print(f"skipped: corpora not found under {DATA}")
        return
    rng = random.Random(0)
    picks = []
    for title, _ in docs:
        syls = [normalize(s) for s in TOKEN_RE.findall(title)]
        picks.append(rng.sample(syls, min(3, len(syls))))
    modes = {
        "exact": [(set(p), set()) for p in picks],
        "folded": [(set(), {fold(s) for s in p}) for p in picks],
        "no match": [({"xyzzy"}, {"xyzzy"}) for _ in picks],
    }
    chars = sum(len(b) for _, b in docs) / len(docs)
    print(f"{label}: {len(docs)} articles, body {chars:.0f} chars on average, "
          f"best of {args.repeat} passes, Python {sys.version.split()[0]}")
    print("calls: each article with its own query")
    print(f"{'mode':<10} {'mark_text ms':>13} {'snippets ms':>12} {'10 x both ms':>13}")
    for mode, terms in modes.items():
        best_m = best_s = float("inf")
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            for (title, _), (exact, folded) in zip(docs, terms):
                mod.mark_text(title, exact, folded)
            t1 = time.perf_counter()
            for (_, body), (exact, folded) in zip(docs, terms):
                mod.snippets(body, exact, folded)
            t2 = time.perf_counter()
            best_m, best_s = min(best_m, t1 - t0), min(best_s, t2 - t1)
        m_ms, s_ms = best_m * 1000 / len(docs), best_s * 1000 / len(docs)
        print(f"{mode:<10} {m_ms:>13.4f} {s_ms:>12.4f} {10 * (m_ms + s_ms):>13.2f}")

    # Search pages: a query, then up to 10 loaded articles having all its syllables (its own
    # article first), each highlighted as SearchEngine._hit does: title, then body.
    has = [
        {fold(normalize(p)) for p in TOKEN_RE.findall(f"{t}\n{b}")} for t, b in docs
    ]
    pages = []
    for i, p in enumerate(picks):
        keys = {fold(s) for s in p}
        others = [j for j in range(len(docs)) if j != i and keys <= has[j]]
        pages.append((p, [i, *others[:9]]))
    hits = sum(len(h) for _, h in pages)
    print(f"pages: {len(pages)} queries, {hits / len(pages):.1f} hits per page")
    print(f"{'mode':<10} {'ms per page':>12} {'mark_text ms':>13} {'snippets ms':>12}")
    clock = time.perf_counter
    for mode in ("exact", "folded"):
        best = best_m = best_s = float("inf")
        for _ in range(args.repeat):
            t_m = t_s = 0.0
            for p, hit_ids in pages:
                for j in hit_ids:  # fresh sets per hit, as SearchEngine._hit gets them
                    if mode == "exact":
                        exact, folded = set(p), set()
                    else:
                        exact, folded = set(), {fold(s) for s in p}
                    t0 = clock()
                    mod.mark_text(docs[j][0], exact, folded)
                    t1 = clock()
                    mod.snippets(docs[j][1], exact, folded)
                    t2 = clock()
                    t_m += t1 - t0
                    t_s += t2 - t1
            best, best_m, best_s = min(best, t_m + t_s), min(best_m, t_m), min(best_s, t_s)
        print(
            f"{mode:<10} {best * 1000 / len(pages):>12.3f} {best_m * 1000 / hits:>13.4f} "
            f"{best_s * 1000 / hits:>12.4f}"
        )

if __name__ == "__main__":
    main()
