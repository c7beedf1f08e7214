"""Words kept whole: share of top-10 hits where a multi-syllable query word stands whole.

    python bench/words_whole.py [--index /tmp/nsbench/index] [--words 80] [--show 10]

The words: the ``--words`` most frequent multi-syllable pyvi words of the corpus titles (all
three shared corpora, counted once per title, stopwords and words with digits left out: nobody
searches ``có thể``). Each is searched as typed with accents (``bóng đá``) and accent-free
(``bong da``), by relevance and by newest, top 10, no snippets or facets. A hit holds the word
whole when the word's syllables stand next to each other (only spaces or a hyphen between
them), in either accent form, in its title, lead, a caption or a body paragraph, or when it
prints another form of the word (an abbreviation, loanword spelling or synonym the search
matches for it: ``ôtô`` or ``xe hơi`` for ``ô tô``): ``vắng bóng người … đá`` does not count. Prints the share per sort order and accent form and
the words with the lowest share, so the failures can be read. Asserts nothing.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import time
from collections import Counter, defaultdict
from pathlib import Path

from newssearch.model import Article
from newssearch.search import SearchEngine, variants
from newssearch.text import abbrev
from newssearch.text.analysis import analyze, fold, stopwords

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CORPORA = ["corpus_baomoi.jsonl.gz", "corpus_dantri.jsonl.gz", "corpus_vietnews.jsonl.gz"]
JOINER = re.compile(r"[\s\-‐‑–]*")


def frequent_title_words(n: int) -> list[tuple[str, int]]:
    """The n most frequent multi-syllable pyvi words of the corpus titles (document counts)."""
    stops = stopwords()
    counts: Counter[str] = Counter()
    for name in CORPORA:
        with gzip.open(DATA / name, "rt", encoding="utf-8") as f:
            for line in f:
                title = json.loads(line)["title"]
                counts.update({t.text for t in analyze(title) if t.kind == "word"
                               and t.text not in stops and not any(c.isdigit() for c in t.text)})
    return counts.most_common(n)


def holds_whole(text: str, word: tuple[str, ...]) -> bool:
    """Whether the folded syllables ``word`` stand adjacent in ``text``."""
    syls = [t for t in analyze(text, words=False) if t.kind == "syl"]
    n = len(word)
    for i in range(len(syls) - n + 1):
        if all(syls[i + k].folded == word[k] for k in range(n)) and all(
                JOINER.fullmatch(text[syls[i + k].endchar:syls[i + k + 1].startchar])
                for k in range(n - 1)):
            return True
    return False


def forms_of(word: str) -> list[tuple[str, ...]]:
    """The word's folded syllables, and those of its other forms when it is an abbreviation
    expansion or a loanword spelling (``ô tô`` is also printed ``ôtô``), or a synonym the
    search matches for it (``xe hơi``, data/synonyms_vi.tsv: another word, whole)."""
    syls = word.split("_")
    found = abbrev.find(syls, 0)
    forms = list(found[1]) if found and found[0] == len(syls) else [tuple(syls)]
    other = variants.find(syls, 0)
    if other and other[0] == len(syls):
        forms += other[2]
    return list(dict.fromkeys(tuple(fold(s) for s in f) for f in [tuple(syls), *forms]))


def article_holds(a: Article, forms: list[tuple[str, ...]]) -> bool:
    texts = [t for t in [a.title, a.lead, *a.captions, *a.body] if t]
    return any(holds_whole(t, f) for f in forms for t in texts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", default="/tmp/nsbench/index")
    ap.add_argument("--words", type=int, default=80)
    ap.add_argument("--show", type=int, default=10, help="print the N words with most misses")
    args = ap.parse_args()
    if not DATA.exists():
        raise SystemExit(f"{DATA} not found: the shared data must sit beside the project")
    t0 = time.perf_counter()
    words = frequent_title_words(args.words)
    print(f"{len(words)} words from the titles in {time.perf_counter() - t0:.0f} s: "
          + ", ".join(f"{w.replace('_', ' ')} ({c})" for w, c in words))
    engine = SearchEngine(args.index)
    held: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])  # (sort, form) -> [whole, hits]
    misses: Counter[str] = Counter()
    for word, _ in words:
        typed = word.replace("_", " ")
        target = forms_of(word)
        for form, query in (("accented", typed), ("accent-free", fold(typed))):
            for sort in ("relevance", "newest"):
                res = engine.search(query, sort=sort, per_page=10, facets=False,
                                    snippets=False, suggest=False)
                ok = sum(article_holds(h.article, target) for h in res.hits)
                for key in ((sort, form), (sort, "both")):
                    held[key][0] += ok
                    held[key][1] += len(res.hits)
                misses[f"{query!r} {sort}"] += len(res.hits) - ok
    print("\n| sort | accented | accent-free | both | hits |\n|---|---|---|---|---|")
    for sort in ("relevance", "newest"):
        cells = [f"{held[(sort, f)][0] / max(1, held[(sort, f)][1]):.3f}"
                 for f in ("accented", "accent-free", "both")]
        print(f"| {sort} | {' | '.join(cells)} | {held[(sort, 'both')][1]} |")
    print("\nmost misses (of 10): "
          + ", ".join(f"{k} {v}" for k, v in misses.most_common(args.show) if v))
    print(f"total time {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
