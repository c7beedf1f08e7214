"""Derive sample/dantri.jsonl.gz: the dantri records whose title agrees with their URL slug.

    python bench/sample_dantri.py [--source ../shared/data/corpus_dantri.jsonl.gz]
                                  [--out sample/dantri.jsonl.gz] [--show kept|dropped|all]

Why: in the 2021 part of the source corpus the headline line is missing, so the first body
sentence (often a photo caption: ``… (Ảnh: AFP).``) became the ``title``. dantri builds the
URL slug from the real headline, so a title that is the headline spells out the slug.

Rule: accent-fold both (NFD, marks dropped, ``đ`` → ``d``, lowercase), keep only ``a-z0-9``
(so ``7.000mAh`` = ``7000-m-ah`` and ``iPhone`` = ``i-phone``), and count the characters in
common in order (difflib matching blocks). The record is kept when those cover at least 80 %
of the slug *and* 80 % of the title: a caption misses most of the slug, a long first sentence
has much the slug lacks. Prints the counts and the titles with their agreement, lowest first,
so the cut can be checked by reading. Source lines are copied byte for byte; the gzip header
carries no time or name, so the output is reproducible.
"""

from __future__ import annotations

import argparse
import difflib
import gzip
import json
import re
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "data" / "corpus_dantri.jsonl.gz"
THRESHOLD = 0.8


def folded_chars(text: str) -> str:
    """Accent-folded, lowercased letters and digits only."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]", "", text)


def url_slug(url: str) -> str:
    """The headline part of a dantri URL: last path segment without timestamp and .htm."""
    last = url.rstrip("/").rsplit("/", 1)[-1]
    last = re.sub(r"\.html?$", "", last)
    return re.sub(r"-\d{10,}$", "", last)


def agreement(title: str, url: str) -> float:
    """Share of the longer of (folded title, folded slug) that the other spells out in order."""
    t, s = folded_chars(title), folded_chars(url_slug(url))
    if not t or not s:
        return 0.0
    blocks = difflib.SequenceMatcher(None, t, s, autojunk=False).get_matching_blocks()
    return sum(b.size for b in blocks) / max(len(t), len(s))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, default=SOURCE)
    ap.add_argument("--out", type=Path, default=ROOT / "sample" / "dantri.jsonl.gz")
    ap.add_argument("--show", choices=["kept", "dropped", "all", "none"], default="dropped")
    args = ap.parse_args()
    if not args.source.exists():
        raise SystemExit(f"{args.source} not found: the shared data must sit beside the project")
    with gzip.open(args.source, "rb") as f:
        lines = [ln for ln in f if ln.strip()]
    scored = []
    for ln in lines:
        rec = json.loads(ln)
        scored.append((agreement(rec["title"], rec.get("url", "")), rec["title"], ln))
    kept = [ln for a, _, ln in scored if a >= THRESHOLD]
    with open(args.out, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0,
                                                     filename="") as out:
        out.writelines(kept)
    for a, title, _ in sorted(scored, key=lambda x: x[0]):
        keep = a >= THRESHOLD
        if args.show == "all" or (args.show == "kept") == keep and args.show != "none":
            print(f"{'kept   ' if keep else 'dropped'} {a:.2f}  {title}")
    print(f"{len(kept)} of {len(lines)} records kept (agreement >= {THRESHOLD}), "
          f"{len(lines) - len(kept)} dropped; wrote {args.out}")


if __name__ == "__main__":
    main()
