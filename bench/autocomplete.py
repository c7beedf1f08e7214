"""Search-box completions: success@5, junk and time per keystroke on the full corpus.

    python bench/autocomplete.py [--index ROOT | --phrases DIR] [--phrases-limit 300]

The phrases: the 300 most frequent two- and three-word title phrases of the shared corpora
(consecutive words of letters only, no punctuation between them, counted once per title,
grouped case-insensitively and written as titles write them most often). Each is typed as its
first word, a space and the first 1, 2 and 3 letters of its second word, once as written
(``Giá v``, ``Giá và``, ``Giá vàn``) and once accent-free, lower-case (``gia v``). success@5:
the share of keystrokes whose first five completions hold the phrase exactly as written.

Time per keystroke: wall clock and this thread's CPU time (on a loaded machine the wall
clock's tail is other processes' turn on the core). Junk: the share of all completions shown (eight per keystroke, as the search box asks) that
carry a digit or punctuation glued to a word (anything but a hyphen before a lower-case part,
``Hang-seo``, or dots between capitals, ``TP.HCM``), or never occur as a phrase (consecutive
words, case aside, no punctuation between them) in any title or lead.

The table: the index's own (``--index``, built with it), or one built here from the corpus
files into ``--phrases`` (kept there and reused), or from an index written before phrase
tables existed (``--index`` with ``--from-stored``). Asserts nothing.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

from newssearch.index import phrases
from newssearch.index.store import current_build
from newssearch.search.autocomplete import Completer
from newssearch.text.analysis import fold

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CORPORA = ["corpus_baomoi.jsonl.gz", "corpus_dantri.jsonl.gz", "corpus_vietnews.jsonl.gz"]
LETTERS = re.compile(r"[^\W\d_]+")
GOOD_WORD = re.compile(r"[A-ZĐ]+(?:\.[A-ZĐ]+)+|[^\W\d_]+(?:-[^\W\d_A-ZĐ][^\W\d_]*)*")
SHOWN = 8
TOP = 5


def records() -> list[dict]:
    out = []
    for name in CORPORA:
        with gzip.open(DATA / name, "rt", encoding="utf-8") as f:
            out.extend(json.loads(line) for line in f)
    return out


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def title_phrases(recs: list[dict], n: int) -> list[str]:
    """The n most frequent 2-3 word title phrases, as titles write them most often."""
    df: Counter[str] = Counter()
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    for r in recs:
        words = nfc(r["title"]).split()
        seen = set()
        for i in range(len(words)):
            for k in (2, 3):
                g = words[i:i + k]
                if len(g) < k or not all(LETTERS.fullmatch(w) for w in g):
                    continue
                form = " ".join(g)
                seen.add(form.lower())
                forms[form.lower()][form] += 1
        df.update(seen)
    return [forms[k].most_common(1)[0][0] for k, _ in df.most_common(n)]


def keystrokes(phrase: str) -> list[tuple[str, str]]:
    """(as written, accent-free) prefixes: first word plus 1-3 letters of the second."""
    first, second = phrase.split(" ")[:2]
    out = []
    for k in range(1, min(3, len(second)) + 1):
        typed = f"{first} {second[:k]}"
        out.append((typed, fold(typed)))
    return out


def glued(text: str) -> bool:
    return any(not GOOD_WORD.fullmatch(w) for w in text.split(" "))


def occurring(recs: list[dict], shown: set[str]) -> set[str]:
    """Which of the lower-cased completions occur as phrases in a title or lead."""
    want = {s.lower() for s in shown}
    firsts = {s.split(" ")[0] for s in want}
    longest = max((s.count(" ") + 1 for s in want), default=1)
    found = set()
    for r in recs:
        for text in (r["title"], r.get("lead") or ""):
            for run in re.split(r"[^\w\s.\-]+|(?<!\w)[.\-]|[.\-](?!\w)", nfc(text).lower()):
                words = run.split()
                for i, w in enumerate(words):
                    if w not in firsts:
                        continue
                    for j in range(i + 1, min(i + longest, len(words)) + 1):
                        g = " ".join(words[i:j])
                        if g in want:
                            found.add(g)
    return {s for s in shown if s.lower() in found}


def table_for(args: argparse.Namespace, recs: list[dict]) -> tuple[phrases.PhraseTable, str]:
    if args.index and not args.from_stored:
        build = current_build(Path(args.index))
        t = phrases.PhraseTable.open(build.path) if build else None
        if t is None:
            raise SystemExit(f"{args.index}: no phrase table (add --from-stored)")
        return t, f"the index's own ({build.path})"
    d = Path(args.phrases or tempfile.mkdtemp(prefix="phrases-"))
    t = phrases.PhraseTable.open(d)
    if t is not None:
        return t, f"reused {d}"
    t0 = time.perf_counter()
    if args.index:
        sources = phrases.sources_of(current_build(Path(args.index)).path)
        n = phrases.write(d, sources)
        how = "from the index's stored articles"
    else:
        n = phrases.write(d, (phrases.Source(r["title"], r.get("lead") or "") for r in recs))
        how = "from the corpus files"
    took = time.perf_counter() - t0
    return phrases.PhraseTable.open(d), f"built {how} into {d}: {n:,} phrases in {took:.0f} s"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", help="an index root: its table (or --from-stored)")
    ap.add_argument("--from-stored", action="store_true",
                    help="build the table from --index's stored articles (into --phrases)")
    ap.add_argument("--phrases", help="a directory for a table built here (reused if there)")
    ap.add_argument("--phrases-limit", type=int, default=300)
    ap.add_argument("--show", type=int, default=10, help="failures to print")
    args = ap.parse_args()
    recs = records()
    table, how = table_for(args, recs)
    print(f"table: {how}")
    comp = Completer(table)
    comp.complete("warm up")
    targets = title_phrases(recs, args.phrases_limit)
    hits = {"accented": 0, "accent-free": 0}
    tries = {"accented": 0, "accent-free": 0}
    times: list[float] = []
    cpu: list[float] = []  # this thread's CPU time: what the machine's load does not inflate
    shown: list[str] = []
    misses: list[tuple[str, list[str]]] = []
    for phrase in targets:
        for typed_pair in keystrokes(phrase):
            for kind, typed in zip(("accented", "accent-free"), typed_pair, strict=True):
                t0, c0 = time.perf_counter(), time.thread_time()
                got = [c.text for c in comp.complete(typed, SHOWN)]
                times.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.thread_time() - c0) * 1000)
                shown.extend(got)
                tries[kind] += 1
                if phrase in got[:TOP]:
                    hits[kind] += 1
                else:
                    misses.append((typed, got[:TOP]))
    real = occurring(recs, set(shown))
    junk = [s for s in shown if glued(s) or s not in real]
    times.sort()
    cpu.sort()
    print(f"phrases: {len(targets)} (e.g. {', '.join(targets[:8])})")
    for kind, n in hits.items():
        print(f"success@{TOP} {kind}: {n / tries[kind]:.3f} ({n}/{tries[kind]})")
    print(f"junk: {len(junk) / len(shown):.4f} ({len(junk)} of {len(shown)} shown)",
          sorted(set(junk))[:20])
    for name, ms in (("wall", times), ("cpu", cpu)):
        print(f"ms per keystroke ({name}): p50 {statistics.median(ms):.3f}, "
              f"p95 {ms[int(0.95 * len(ms))]:.3f}, max {ms[-1]:.3f} ({len(ms)} keystrokes)")
    for typed, got in misses[:args.show]:
        print(f"  miss {typed!r}: {got}")


if __name__ == "__main__":
    main()
