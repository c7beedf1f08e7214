"""Loanword spellings: how often each spelling of src/newssearch/data/loanwords_vi.tsv is
printed, and how many documents it would admit as an alternative form of a query unit.

    python bench/loanwords.py [--index /tmp/nsbench/index] [--table PATH] [--mine 300]

For each spelling, over the index of the shared corpora:

* ``typed``: documents holding it as written (accents as written, syllables adjacent);
* ``adjacent``: documents holding it accent-folded, syllables adjacent;
* ``admitted``: documents a query unit admits for it today: every folded syllable and every
  pyvi word of the spelling somewhere in one of title/lead/body, not necessarily together.

``admitted`` far above ``adjacent`` means the spelling would pad results with documents where
its syllables only meet by chance (``vi`` … ``rút``); such spellings are marked ``NOISY`` and
are held back from the table (see its header).
``--mine N`` also prints the N most frequent lowercase hyphenated words of the corpora
(``vắc-xin``, ``ê-kíp``, ``xi-lanh``): Vietnamese spellings of foreign words are mostly
printed that way, which is how the table's candidates were found. Asserts nothing.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import unicodedata
from collections import Counter
from importlib import resources
from pathlib import Path

import numpy as np

from newssearch.index.schema import PART_FIELDS
from newssearch.index.snapshot import Snapshot
from newssearch.search.phrases import phrase_docs
from newssearch.search.plan import form_words
from newssearch.text.abbrev import spelling_syllables
from newssearch.text.analysis import fold

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CORPORA = ["corpus_baomoi.jsonl.gz", "corpus_dantri.jsonl.gz", "corpus_vietnews.jsonl.gz"]
EXACT = tuple(e for e, _ in PART_FIELDS.values())
FOLDED = tuple(f for _, f in PART_FIELDS.values())
NOISE_RATIO, NOISE_SLACK = 3, 50  # admitted > ratio x adjacent + slack: NOISY (the data rule)
HYPHENATED = re.compile(r"(?<![\w-])[^\W\d_]+(?:-[^\W\d_]+)+(?![\w-])")


def docs_with(snap: Snapshot, fields: tuple[str, ...], term: str) -> np.ndarray:
    found = [p.docs for f in fields if (p := snap.postings(f, term)) is not None]
    return np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int32)


def adjacent(snap: Snapshot, fields: tuple[str, ...], syls: tuple[str, ...]) -> int:
    if len(syls) == 1:
        return len(docs_with(snap, fields, syls[0]))
    return len(phrase_docs(snap, fields, syls))


def admitted(snap: Snapshot, syls: tuple[str, ...]) -> int:
    """Documents holding every folded syllable and pyvi word of the spelling (any field)."""
    terms = [fold(s) for s in syls] + [fold(w) for w in form_words(syls)]
    docs = None
    for t in terms:
        here = docs_with(snap, FOLDED, t)
        docs = here if docs is None else np.intersect1d(docs, here)
    return 0 if docs is None else len(docs)


def mine(n: int) -> None:
    counts: Counter[str] = Counter()
    for name in CORPORA:
        with gzip.open(DATA / name, "rt", encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                text = unicodedata.normalize("NFC", " ".join([d["title"], d.get("lead", ""),
                                                              *d["body"].split("\n")]))
                counts.update({w for w in HYPHENATED.findall(text) if w.islower()})
    print("most frequent lowercase hyphenated words (documents): "
          + ", ".join(f"{w} {c}" for w, c in counts.most_common(n)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", default="/tmp/nsbench/index")
    ap.add_argument("--table", default=str(resources.files("newssearch") / "data"
                                           / "loanwords_vi.tsv"))
    ap.add_argument("--mine", type=int, default=0, metavar="N")
    args = ap.parse_args()
    if args.mine:
        mine(args.mine)
    snap = Snapshot(Path(args.index))
    print(f"\n{snap.n} documents\n\n| spelling | typed | adjacent | admitted | |\n|---|---|---|---|---|")
    noisy = 0
    with open(args.table, encoding="utf-8") as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            for spelling in line.rstrip("\n").split("\t"):
                syls = spelling_syllables(spelling)
                adj = adjacent(snap, FOLDED, tuple(fold(s) for s in syls))
                adm = admitted(snap, syls)
                flag = "NOISY" if adm > NOISE_RATIO * adj + NOISE_SLACK else ""
                noisy += bool(flag)
                print(f"| {spelling} | {adjacent(snap, EXACT, syls)} | {adj} | {adm} | {flag} |")
    print(f"\n{noisy} noisy spellings (admitted > {NOISE_RATIO} x adjacent + {NOISE_SLACK})")
    snap.close()


if __name__ == "__main__":
    main()
