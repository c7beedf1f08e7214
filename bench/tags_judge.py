"""Blind judging of extracted tags: a sample for an assessor, and the score of the grades.

    python bench/tags_judge.py sample --index /work/nsbench/wt24   # writes the todo file
    python bench/tags_judge.py sample   # the same from the corpora, without an index
    python bench/tags_judge.py score [bench/tags_judgments.tsv]   # prints precision

``sample`` picks 100 articles of the index at random (seed 0), from every source: 5 dantri
(the source is 0.6 % of the corpus, so a plain sample would hold none) and the other 95
shared between baomoi and vietnews in proportion to their size. It writes
``bench/tags_judgments_todo.tsv``: for each article its id, title, lead and the part of its
body the extractor reads (``text.tags.BODY_CHARS``, 4,000 characters: a judge shown less would
mark names from the rest as not in the article), then one ``tag`` line per extracted tag, in alphabetical order
(nothing about how or how strongly a tag was found). The assessor fills the last column of
every ``tag`` line with ``correct``, ``wrong`` or ``imprecise`` and saves the file as
``bench/tags_judgments.tsv``; ``score`` reads it.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path

from newssearch.index import tagging
from newssearch.index.writer import stored_articles
from newssearch.ingest import IngestReport, iter_articles
from newssearch.text.tags import BODY_CHARS

BENCH = Path(__file__).resolve().parent
DATA = BENCH.parents[1] / "shared" / "data"
TODO = BENCH / "tags_judgments_todo.tsv"
GRADED = BENCH / "tags_judgments.tsv"
SEED = 0
SIZE = 100
DANTRI = 5
GRADES = ("correct", "wrong", "imprecise")
HEADER = """# Extracted tags of 100 random news articles, to be graded blind.
# For every line starting with "tag", write one grade in its last column (after the tab):
#   correct    it names a person, place, organisation or event that the article is about
#   wrong      not a name, a fragment of a word, or not what the article is about
#   imprecise  a name the article is about, but cut short or glued to another word
# Judge from the title, lead and body shown (the part of the body the tags were read from).
# Save the graded file as bench/tags_judgments.tsv.
"""


def _clean(text: str) -> str:
    return " ".join(text.replace("\t", " ").split())


def sample(index: Path | None) -> None:
    """From the index's stored articles; without an index, from the corpora, the picked
    articles tagged the way a rebuild into a new index tags them (baseline statistics)."""
    by_source: dict[str, list] = defaultdict(list)
    files = [str(p) for p in sorted(DATA.glob("corpus_*.jsonl.gz"))]
    found = stored_articles(index) if index else iter_articles(files, IngestReport())
    for a in found:
        by_source[a.source or ""].append(a)
    rng = random.Random(SEED)
    picked = rng.sample(sorted(by_source.pop("dantri.com.vn", []), key=lambda a: a.id), DANTRI)
    rest = sorted((a for arts in by_source.values() for a in arts), key=lambda a: a.id)
    picked += rng.sample(rest, SIZE - DANTRI)
    rng.shuffle(picked)
    if index is None:
        ex = tagging.extractor(BENCH / "no-build")  # no statistics file: the baseline
        picked = [tagging.tag(ex, a) for a in picked]
    lines = [HEADER]
    for n, a in enumerate(picked, 1):
        lines += [f"article\t{n}\t{a.id}", f"title\t{_clean(a.title)}",
                  f"lead\t{_clean(a.lead or '')}",
                  f"body\t{_clean(' '.join(a.body))[:BODY_CHARS]}"]
        lines += [f"tag\t{t}\t" for t in sorted(a.extracted_tags, key=str.casefold)]
        lines.append("")
    TODO.write_text("\n".join(lines), encoding="utf-8")
    print(f"{TODO}: {len(picked)} articles, "
          f"{sum(len(a.extracted_tags) for a in picked)} tags, "
          f"{sum(1 for a in picked if not a.extracted_tags)} articles without a tag")


def score(path: Path) -> None:
    grades: Counter = Counter()
    per_source: dict[str, Counter] = defaultdict(Counter)
    article = ""
    missing = []
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = line.split("\t")
        if cells[0] == "article" and len(cells) >= 3:
            article = cells[2]
        elif cells[0] == "tag":
            g = cells[2].strip().lower() if len(cells) > 2 else ""
            if g not in GRADES:
                missing.append(f"{article}: {cells[1] if len(cells) > 1 else ''}")
                continue
            grades[g] += 1
            per_source[article.split("-")[0]][g] += 1
    n = sum(grades.values())
    if not n:
        sys.exit(f"{path}: no graded tag lines")
    print(f"{path}: {n} graded tags" + (f", {len(missing)} ungraded" if missing else ""))
    for g in GRADES:
        print(f"  {g:10s} {grades[g]:4d}  {grades[g] / n:.3f}")
    for src, c in sorted(per_source.items()):
        m = sum(c.values())
        print(f"  {src:10s} {m:4d} tags: correct {c['correct'] / m:.3f}, "
              f"wrong {c['wrong'] / m:.3f}, imprecise {c['imprecise'] / m:.3f}")
    for m in missing[:10]:
        print(f"  ungraded: {m}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=("sample", "score"))
    ap.add_argument("path", nargs="?", type=Path, default=GRADED)
    ap.add_argument("--index", type=Path, help="sample: the index (default: the corpora, "
                    "tagged as a rebuild into a new index tags them)")
    args = ap.parse_args()
    if args.what == "sample":
        sample(args.index)
    else:
        score(args.path)


if __name__ == "__main__":
    main()
