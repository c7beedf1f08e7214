"""The search box's phrase table: the phrases of one to four words titles and leads write.

Why: completing single syllables from the term dictionary offers fragments (``gia vay``,
``ha nội-hải``, ``phong-16``), lower-case and in several half-accented forms. Readers search
for phrases as headlines write them (``Giá vàng``, ``Hà Nội``, ``Park Hang-seo``,
``TP.HCM``), so the table holds those, counted once per article, titles counting double and
recent articles more, written beside the build after the segments (``phrases/``: numpy arrays
the web workers map and share) and found by folded prefix with a binary search.

What counts as a phrase: consecutive words of one sentence part (no punctuation between
them), each word made of letters only; a hyphen may join a lower-case part (``Hang-seo``),
a dot only capitals (``TP.HCM``); anything with digits or other punctuation is left out.
A phrase used by a single article is left out (in a small archive, only if over two words), and so is one nearly always
followed by the same word (``Nguyễn Xuân`` by ``Phúc``): the longer phrase is offered.
Each phrase is shown as titles write it most often (leads when no title has it); its forms
differing only in case or tone placement are one phrase.

Rebuilds write the table; updates and deletes rewrite it from the live index's stored titles
and leads (a few seconds per 10,000 articles), so it is never stale.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from newssearch.index.columns import DAY_US
from newssearch.index.whoosh_compat import open_index
from newssearch.text.analysis import fold, normalize

DIRNAME = "phrases"
VERSION = 1
MAX_WORDS = 4
MIN_ARTICLES = 2  # in a large archive, a phrase one article writes is no search readers make
SMALL_ARCHIVE = 5000  # below this many articles, one- and two-word phrases always count
TITLE_WEIGHT = 2.0
RECENT_HALF_LIFE_DAYS = 30.0  # a dated article counts up to twice, halving with its age
FRAGMENT_SHARE = 0.9  # a phrase this often inside one longer phrase is a fragment of it
FRAGMENT_MIN_ARTICLES = 3

_LETTERS = r"(?:[^\W\d_]|[\u0300-\u036f])+"
_UPPER = r"[A-ZĐ]+"
# A word: letters; a hyphen before a lower-case part (Hang-seo); dots between capitals.
WORD_RE = re.compile(rf"{_UPPER}(?:\.{_UPPER})+|{_LETTERS}(?:-[^\W\d_A-ZĐ][^\W\d_]*)*")
# Punctuation a word may carry at either end, which ends the phrase there.
_EDGE = "\"'“”‘’«»()[]{}<>,.;:!?…–—-/\\|*#%&+=~`^@$"
_EDGES = tuple(_EDGE)


@dataclass(frozen=True)
class Source:
    """One article's text for the table: its title, lead, and weight (recency)."""

    title: str
    lead: str
    weight: float = 1.0


def runs(text: str) -> Iterator[list[str]]:
    """The text's runs of words with nothing but spaces between them (NFC, as written)."""
    run: list[str] = []
    for raw in unicodedata.normalize("NFC", text).split():
        core = raw.strip(_EDGE)
        if not core or not WORD_RE.fullmatch(core):
            if run:
                yield run
            run = []
            continue
        if raw.startswith(_EDGES) and run:
            yield run
            run = []
        run.append(core)
        if raw.endswith(_EDGES):
            yield run
            run = []
    if run:
        yield run


def keys(text: str) -> list[str]:
    """Every phrase of one to ``MAX_WORDS`` words the text writes, by key: lowercase, one
    tone placement (forms differing only so are one phrase)."""
    out = []
    for run in runs(text):
        norm = [normalize(w) for w in run]
        for i in range(len(norm)):
            key = norm[i]
            out.append(key)
            for j in range(i + 1, min(i + MAX_WORDS, len(norm))):
                key = key + " " + norm[j]
                out.append(key)
    return out


def grams(text: str) -> list[tuple[str, str]]:
    """Like ``keys``, each key with the phrase as written."""
    return list(zip(keys(text), [
        " ".join(run[i:j]) for run in runs(text)
        for i in range(len(run)) for j in range(i + 1, min(i + MAX_WORDS, len(run)) + 1)
    ], strict=True))


def count(sources: Iterable[Source]) -> tuple[dict[str, float], dict[str, str]]:
    """Score (weighted article count) and shown form of each phrase worth offering."""
    docs = list(sources)
    score: dict[str, float] = Counter()  # type: ignore[assignment]  # float counts
    df: dict[str, int] = Counter()
    for s in docs:
        seen = dict.fromkeys(keys(s.lead), 1.0)
        seen.update(dict.fromkeys(keys(s.title), TITLE_WEIGHT))
        for k, w in seen.items():
            score[k] += w * s.weight
            df[k] += 1
    small = len(docs) < SMALL_ARCHIVE  # there, a name one article writes is still a search
    kept = {k for k, n in df.items()
            if n >= MIN_ARTICLES or (small and k.count(" ") < 2)}
    kept -= fragments(kept, score, df)
    del df
    forms: dict[tuple[str, str], float] = Counter()  # type: ignore[assignment]  # float counts
    for s in docs:
        for text, w in ((s.title, 1000.0), (s.lead, 1.0)):  # a title's form beats any lead's
            for k, g in grams(text):
                if k in kept:
                    forms[k, g] += w
    shown: dict[str, str] = {}
    for (k, g), _ in sorted(forms.items(), key=lambda kv: (-kv[1], kv[0][1])):
        shown.setdefault(k, g)
    return {k: score[k] for k in kept}, shown


def fragments(keys: set[str], score: dict[str, float], df: dict[str, int]) -> set[str]:
    """Phrases nearly always followed by the same word (``Nguyễn Xuân`` by ``Phúc``): a
    reader typing one is offered the longer phrase. Judged only on phrases several articles
    use (one article's phrase is always "followed" the same way)."""
    best: dict[str, float] = {}
    for k in keys:
        cut = k.rfind(" ")
        if cut > 0 and score[k] > best.get(k[:cut], 0.0):
            best[k[:cut]] = score[k]
    return {p for p, s in best.items()
            if p in keys and " " in p and df[p] >= FRAGMENT_MIN_ARTICLES
            and s >= FRAGMENT_SHARE * score[p]}


def sources_of(build_path: Path) -> Iterator[Source]:
    """The live articles of a build, read from their stored fields, weighted by recency."""
    ix = open_index(build_path)
    rows: list[tuple[str, str, int | None]] = []
    with ix.reader() as r:
        for docnum in r.all_doc_ids():
            d = json.loads(r.stored_fields(docnum)["doc"])
            pub = d.get("published")
            when = int(datetime.fromisoformat(pub).timestamp() * 1e6) if pub else None
            rows.append((d.get("title") or "", d.get("lead") or "", when))
    newest = max((w for _, _, w in rows if w is not None), default=0)
    for title, lead, when in rows:
        bonus = 0.0 if when is None else 0.5 ** ((newest - when) / DAY_US / RECENT_HALF_LIFE_DAYS)
        yield Source(title, lead, 1.0 + bonus)


def write(build_path: Path, sources: Iterable[Source] | None = None) -> int:
    """Write the table of ``sources`` (default: the build's own articles) beside the build.

    Files are replaced by rename, one at a time, the header last: a reader opening a table
    sees sizes that agree or none (``PhraseTable.open`` checks). Returns the phrase count.
    """
    score, shown = count(sources_of(build_path) if sources is None else sources)
    keys = sorted(score, key=lambda k: (fold(k).encode("utf-8", "surrogatepass"), -score[k]))
    d = build_path / DIRNAME
    d.mkdir(parents=True, exist_ok=True)
    folded = [fold(k) for k in keys]
    arrays = {
        "folded": _blob(folded), "shown": _blob([shown[k] for k in keys]),
        "score": (np.array([score[k] for k in keys], dtype=np.float32), None),
    }
    for name, (data, offsets) in arrays.items():
        _save(d / f"{name}.npy", data)
        if offsets is not None:
            _save(d / f"{name}_at.npy", offsets)
    tmp = d / "header.json.tmp"
    tmp.write_text(json.dumps({"version": VERSION, "phrases": len(keys)}))
    tmp.replace(d / "header.json")
    return len(keys)


def _blob(strings: list[str]) -> tuple[np.ndarray, np.ndarray]:
    data = [s.encode("utf-8", "surrogatepass") for s in strings]
    offsets = np.zeros(len(data) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in data], out=offsets[1:])
    return np.frombuffer(b"".join(data), dtype=np.uint8), offsets


def _save(path: Path, arr: np.ndarray) -> None:
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, arr)
    tmp.replace(path)


class Strings:
    """A read-only list of strings kept as one mapped UTF-8 blob and its offsets."""

    def __init__(self, data: np.ndarray, offsets: np.ndarray):
        self.data, self.offsets = data, offsets

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, i: int) -> str:
        lo, hi = int(self.offsets[i]), int(self.offsets[i + 1])
        return self.data[lo:hi].tobytes().decode("utf-8", "surrogatepass")


@dataclass(frozen=True)
class PhraseTable:
    """The table as search reads it: folded keys in order, shown forms, scores."""

    folded: Strings
    shown: Strings
    score: np.ndarray

    @classmethod
    def open(cls, build_path: Path) -> PhraseTable | None:
        """The build's table, mapped; None for a build written before there was one."""
        d = build_path / DIRNAME

        def mapped(name: str) -> np.ndarray:
            # A plain view of the mapped file: shared pages, without np.memmap's per-access
            # cost (a keystroke reads a few hundred strings).
            return np.load(d / f"{name}.npy", mmap_mode="r").view(np.ndarray)

        try:
            header = json.loads((d / "header.json").read_text())
            t = cls(Strings(mapped("folded"), mapped("folded_at")),
                    Strings(mapped("shown"), mapped("shown_at")), mapped("score"))
        except (OSError, ValueError):
            return None
        if header.get("version") != VERSION or not (
                len(t.folded) == len(t.shown) == len(t.score) == header.get("phrases")):
            return None
        return t
