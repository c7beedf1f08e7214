"""Extracted tags over the shared corpora: the statistics table, coverage and top tags.

    python bench/tags_report.py stats   # writes src/newssearch/data/tag_names_vi.tsv
    python bench/tags_report.py report  # coverage, median per article, the 30 most frequent
    python bench/tags_report.py report --index DIR  # the same over an index's stored tags
    python bench/tags_report.py show N  # N random articles with their tags (development)

``stats`` counts the capitalised runs of every article (no statistics needed for that);
``report`` and ``show`` extract tags under that table, as an index build of the corpora does.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from newssearch.index.writer import stored_articles
from newssearch.text.tags import Extractor, NameStats, baseline

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
OUT = Path(__file__).resolve().parents[1] / "src" / "newssearch" / "data" / "tag_names_vi.tsv"
HEADER = """# Name statistics of the shared corpora, for tag extraction (newssearch.text.tags).
# Source: ../shared/data/corpus_*.jsonl.gz (46,756 articles: baomoi, dantri, vietnews).
# Method: `python bench/tags_report.py stats`. Every run of capitalised words in title,
# lead and the first 4,000 characters of the body, titles and roles stripped, is counted:
# key (normalized words) TAB documents TAB documents with it capitalised mid-sentence TAB
# documents also holding it in lower case TAB its most frequent written form. Runs seen in
# fewer than 3 documents are left out. A build counts its own articles the same way and
# keeps the result beside its segments; this table is the baseline for builds too small
# to count their own (tests, a first small index).
"""


def articles(files: list[Path]) -> Iterator[dict]:
    for p in files:
        with gzip.open(p, "rt", encoding="utf-8") as f:
            for line in f:
                yield json.loads(line)


def body(d: dict) -> str:
    b = d.get("body") or ""
    return "\n".join(b) if isinstance(b, list) else b


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=("stats", "report", "show"))
    ap.add_argument("n", nargs="?", type=int, default=20)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--index", type=Path, help="report: read the tags an index stored")
    args = ap.parse_args()
    files = sorted(args.data.glob("corpus_*.jsonl.gz"))
    if args.what == "stats":
        ex, st = Extractor(NameStats()), NameStats()
        for d in articles(files):
            st.add(ex.analyse(d["title"], d.get("lead") or "", body(d)))
        OUT.write_text(HEADER + "\n".join(st.to_lines(min_docs=3)) + "\n", encoding="utf-8")
        print(f"{OUT}: {len(st.docs)} keys counted over {st.articles} articles")
        return
    ex = Extractor(baseline())
    if args.what == "show":
        docs = list(articles(files))
        for d in random.Random(args.n).sample(docs, args.n):
            print(f"--- {d['id']}: {d['title']}\n    {ex.tags(d['title'], d.get('lead') or '', body(d))}")
        return
    per: list[int] = []
    top: Counter = Counter()
    found = ((a.extracted_tags for a in stored_articles(args.index)) if args.index else
             (ex.tags(d["title"], d.get("lead") or "", body(d)) for d in articles(files)))
    for t in found:
        per.append(len(t))
        top.update(t)
    print(f"articles {len(per)}, with >=1 tag {sum(1 for n in per if n) / len(per):.3f}, "
          f"median per article {statistics.median(per)}, mean {statistics.mean(per):.2f}")
    for tag, n in top.most_common(30):
        print(f"{n:6d}  {tag}")


if __name__ == "__main__":
    sys.exit(main())
