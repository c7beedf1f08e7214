"""The one search entry point for CLI and web: ``SearchEngine.search``.

How a query is evaluated (and why):
- Whoosh stores the index; scoring runs over numpy arrays of docnums and length-normalized
  term frequencies, read once per index generation from the flat postings written beside
  each segment (``postings.py``). Whoosh's pure-Python matchers cost hundreds of
  milliseconds on multi-word news queries; array arithmetic over cached postings costs a few.
- A query is a list of *units* (a syllable, or an abbreviation with its alternative forms).
  Units select candidates on folded forms (so ``phong tho`` and ``Phong Thổ`` meet) and all
  non-stopword units are required first (AND); if that finds nothing, any unit will do (OR).
- Scores are BM25F over title > lead > body. An accented query scores exact-accent fields at
  full weight and folded fields at half, so exact matches rank first; an accent-free query
  scores folded fields at full weight. Adjacent syllables and pyvi words add a bonus when the
  index holds them as one term (``phong_tho``), a cheap stand-in for proximity.
"""

from __future__ import annotations

import itertools
import json
import math
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import numpy as np
from whoosh import query as wq
from whoosh.codec.whoosh3 import byte_to_length
from whoosh.util.times import datetime_to_long, long_to_datetime

from . import abbrev, highlight
from .analysis import analyze, fold, is_folded, normalize, stopwords
from .model import LOCAL_TZ, Article
from .postings import FlatPostings
from .querylang import Clause, Filters, ParsedQuery, QueryError, parse
from .schema import (
    PART_FIELDS,
    SHINGLE_PARTS,
    TAG_SEP,
    TEXT_PARTS,
    article_from_stored,
    facet_key,
)
from .store import current_build, open_build
from .whoosh_compat import length_bytes

K1, B = 1.2, 0.75
PART_BOOST = {"title": 3.0, "lead": 1.5, "body": 1.0, "author": 1.0}
FOLDED_WEIGHT_ACCENTED = 0.5  # folded-only evidence for an accented query
STOPWORD_WEIGHT = 0.3
WORD_BONUS = 1.0  # weight of a multi-syllable word matched as one term
SHINGLE_WEIGHT = 1.0  # weight of a query's adjacent pair found adjacent in a title or lead
MAX_UNITS = 16  # bounded work for very long queries: the rarest units score
MAX_PER_PAGE = 100
RECENCY_HALF_LIFE_DAYS = 30.0
FACETS = ("tags", "category", "source", "month")
FIELDS = {**PART_FIELDS, "author": ("author", "author_f")}  # part -> (exact, folded) fields
SUGGEST_MAX_SYLLABLES = 8  # longer queries get suggestions only from hits, or when nothing hit
RELAXED_SCORE_MAX = 5000  # when no document has every word, at most this many are scored
PHRASE_AMONG_MAX = 200  # more candidates than this: one index-wide phrase query, cached
CACHE_POSTINGS = 40_000_000  # cached postings (docnum + float) before the cache is cleared
REFRESH_SECONDS = 1.0


@dataclass
class Hit:
    id: str
    title: str
    url: str | None
    published: str | None
    category: str | None
    tags: list[str]
    source: str | None
    author: str | None
    lead: str
    score: float
    title_html: str
    snippets: list[str]


@dataclass
class SearchResult:
    query: str
    total: int
    page: int
    per_page: int
    hits: list[Hit]
    facets: dict[str, list[dict]]
    suggestions: dict[str, list[str]]
    relaxed: bool
    elapsed_ms: float
    index_version: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class _Postings:
    docs: np.ndarray  # int32 docnums, ascending
    ntf: np.ndarray  # float32: tf/(1-b+b*dl/avgdl), weighted and summed across fields (BM25F)
    idf: float

    def locate(self, cand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For sorted int32 candidates: index into this list, and whether the doc is there.

        (Candidates of another dtype would make numpy convert the whole list per call.)"""
        idx = self.docs.searchsorted(cand)
        np.minimum(idx, len(self.docs) - 1, out=idx)
        return idx, self.docs.take(idx) == cand


@dataclass(frozen=True)
class _Alt:
    """One way a unit can match: these syllables, in these parts, adjacent if ``phrase``."""

    syls: tuple[str, ...]
    parts: tuple[str, ...]
    phrase: bool = False
    words: tuple[str, ...] = ()  # pyvi words that must also be there (cheap adjacency)


@dataclass(eq=False)
class _Unit:
    alternatives: list[_Alt]
    stop: bool = False
    df: int = 0


class Snapshot:
    """Everything search needs from one index generation, loaded once."""

    def __init__(self, root: Path):
        self.build, self.ix = open_build(root)
        self.generation = self.ix.latest_generation()
        self.version = f"{self.build.name}.{self.generation}"
        self.searcher = self.ix.searcher()
        r = self.reader = self.searcher.reader()
        n = self.n = r.doc_count_all()
        self.leaves = list(r.leaf_readers())
        self.live = np.ones(n, dtype=bool)
        for seg, off in self.leaves:  # Whoosh's readers cannot list their deletions
            if seg.has_deletions():
                cnt = seg.doc_count_all()
                self.live[off : off + cnt] = np.fromiter(
                    (not seg.is_deleted(d) for d in range(cnt)), dtype=bool, count=cnt)
        self.doc_count = int(self.live.sum())
        # Flat postings written beside each segment, where present (see postings.py).
        self.flat = FlatPostings(self.leaves, self.build.path)
        self.lengths: dict[str, np.ndarray] = {}
        self.avglen: dict[str, float] = {}
        self.inv_norm: dict[str, np.ndarray] = {}
        table = np.array([byte_to_length(i) for i in range(256)], dtype=np.float32)
        for part in (*TEXT_PARTS, "author"):
            for f in (part, part + "_f", part + "_sh"):
                if f not in self.ix.schema:
                    continue
                arr = np.zeros(n, dtype=np.float32)
                for seg, off in self.leaves:
                    col = length_bytes(seg, f)
                    if col is not None:
                        vals = np.fromiter(col, dtype=np.uint8, count=seg.doc_count_all())
                        arr[off : off + len(vals)] = table[vals]
                self.lengths[f] = arr
                live_lengths = arr[self.live]
                self.avglen[f] = float(live_lengths.mean()) if len(live_lengths) else 1.0
                # BM25's length normalization per doc, so reading a term costs one multiply.
                avg = self.avglen[f] or 1.0  # (a field no document has, such as author)
                self.inv_norm[f] = (1 / (1 - B + B * arr / avg)).astype(np.float32)
        self._load_facets()
        self._cache: dict[tuple[str, str], _Postings | None] = {}
        self._cached = 0
        self._lock = threading.Lock()
        self._surfaces: dict[str, str | None] = {}
        self._phrases: dict[tuple, np.ndarray] = {}
        self._vocab: dict[str, _Vocabulary] = {}
        self._vocab_lock = threading.Lock()

    def _column(self, name: str) -> list:
        """A column's raw values for every docnum, read segment by segment (Whoosh's
        multi-segment column reader loses values when iterated)."""
        out: list = [None] * self.n
        for seg, off in self.leaves:
            if seg.has_column(name):
                vals = list(seg.column_reader(name, translate=False))
                out[off : off + len(vals)] = vals
        return out

    def _load_facets(self) -> None:
        def labels(values: list[bytes]) -> tuple[np.ndarray, list[str]]:
            # One label per NFC spelling: NFD and NFC copies of a category count together.
            ids: dict[str, int] = {}
            out = np.full(len(values), -1, dtype=np.int32)
            for i, v in enumerate(values):
                if v:
                    out[i] = ids.setdefault(_label(v.decode("utf-8")), len(ids))
            return out, list(ids)

        self.cat_ids, self.cat_labels = labels(self._column("category_c"))
        self.src_ids, self.src_labels = labels(self._column("source_c"))
        self.month = np.array([m or 0 for m in self._column("month")], dtype=np.int32)
        # Tags: sparse doc -> tag ids (most articles have none).
        tag_ids: dict[str, int] = {}
        tag_docs, tag_vals = [], []
        for d, v in enumerate(self._column("tagset")):
            if v:
                for t in v.decode("utf-8").split(TAG_SEP):
                    tag_docs.append(d)
                    tag_vals.append(tag_ids.setdefault(_label(t), len(tag_ids)))
        self.tag_docs = np.array(tag_docs, dtype=np.int32)
        self.tag_vals = np.array(tag_vals, dtype=np.int32)
        self.tag_labels = list(tag_ids)
        pub = self._column("published")
        self.published = np.array(
            # Undated articles hold Whoosh's out-of-range "missing" sentinel.
            [p if isinstance(p, int) and 0 < p < _MAX_DT else -1 for p in pub], dtype=np.int64
        ) if pub else np.zeros(0, dtype=np.int64)
        self.cat_keys = {facet_key(lbl): i for i, lbl in enumerate(self.cat_labels)}
        self.src_keys = {facet_key(lbl): i for i, lbl in enumerate(self.src_labels)}

    def close(self) -> None:
        self.searcher.close()

    def postings(self, fieldname: str, term: str) -> _Postings | None:
        key = (fieldname, term)
        try:
            return self._cache[key]
        except KeyError:
            pass
        p = self._read_postings(fieldname, term)
        with self._lock:
            if self._cached > CACHE_POSTINGS:
                self._cache.clear()
                self._cached = 0
            self._cache[key] = p
            self._cached += len(p.docs) if p else 1
        return p

    def _read_postings(self, fieldname: str, term: str) -> _Postings | None:
        btext = term.encode("utf-8")
        ids: list[np.ndarray] = []
        tfs: list[np.ndarray] = []
        for docs, tf in self.flat.get(fieldname, btext):
            ids.append(docs)
            tfs.append(tf)
        if not ids:
            return None
        docs = np.concatenate(ids) if len(ids) > 1 else ids[0]
        tf = np.concatenate(tfs) if len(tfs) > 1 else tfs[0]
        ntf = self.inv_norm[fieldname].take(docs) * tf  # float32 (tf is uint16 or float32)
        df = len(docs)
        idf = math.log(1 + (self.doc_count - df + 0.5) / (df + 0.5))
        return _Postings(docs, ntf, idf)

    def phrase_docs(self, fields: tuple[str, ...], words: tuple[str, ...]) -> np.ndarray:
        """Docnums where ``words`` occur adjacently in any of ``fields`` (Whoosh positions)."""
        key = (fields, words)
        hit = self._phrases.get(key)
        if hit is None:
            q = wq.Or([wq.Phrase(f, list(words)) for f in fields])
            hit = np.fromiter(q.docs(self.searcher), dtype=np.int64)
            with self._lock:
                if len(self._phrases) > 5000:
                    self._phrases.clear()
                self._phrases[key] = hit
        return hit

    def phrase_among(self, fields: tuple[str, ...], words: tuple[str, ...],
                     cand: np.ndarray) -> np.ndarray:
        """Which of the (sorted) candidates hold ``words`` adjacently in one of ``fields``.

        The same test as Whoosh's phrase query (consecutive positions), read only for the
        candidates: a phrase of common words over the whole index costs 100s of ms.
        """
        if len(cand) > PHRASE_AMONG_MAX:
            hit = np.zeros(self.n, dtype=bool)
            hit[self.phrase_docs(fields, words)] = True
            return hit[cand]
        out = np.zeros(len(cand), dtype=bool)
        starts = np.array([off for _, off in self.leaves], dtype=np.int64)
        for f in fields:
            todo = ~out  # candidates still unmatched that hold every word in this field
            for w in set(words):
                p = self.postings(f, w)
                todo &= p.locate(cand)[1] if p is not None else False
            if not todo.any():
                continue
            found = np.flatnonzero(todo)
            docs = cand[found].astype(np.int64)
            leaf_of = np.searchsorted(starts, docs, side="right") - 1
            positions: dict[int, list[set[int]]] = {}
            for li in np.unique(leaf_of):
                seg, off = self.leaves[li]
                local = [int(d) - off for d in docs[leaf_of == li]]
                for w in words:
                    m = seg.postings(f, w.encode("utf-8"))
                    for d in local:
                        m.skip_to(d)  # docs ascending: the matcher only moves forward
                        positions.setdefault(d + off, []).append(set(m.value_as("positions")))
            for i, d in zip(found, docs):
                first, *rest = positions[int(d)]
                if any(all(p + k in later for k, later in enumerate(rest, 1)) for p in first):
                    out[i] = True
        return out

    def prepare(self) -> None:
        """Build what some requests need later (run in a background thread)."""
        try:
            for f in ("title", "title_f"):
                self.vocabulary(f)
        except Exception:  # noqa: BLE001, S110 - closed meanwhile: a request builds it
            pass

    def vocabulary(self, fieldname: str) -> _Vocabulary:
        """The field's syllables for did-you-mean, built on first use (about 0.2 s)."""
        with self._vocab_lock:
            v = self._vocab.get(fieldname)
            if v is None:
                terms = (t.decode("utf-8") for t in self.reader.lexicon(fieldname))
                v = self._vocab[fieldname] = _Vocabulary(terms)
            return v

    def stored(self, docnum: int) -> dict:
        return json.loads(self.searcher.stored_fields(docnum)["doc"])

    def surface(self, folded_term: str) -> str | None:
        """How the corpus writes a folded term (``phong_tho`` -> ``phong thổ``), lowercase.

        Read off the titles and leads of a few articles holding the term, so no vocabulary
        has to be built; the most common accented spelling wins.
        """
        if folded_term in self._surfaces:
            return self._surfaces[folded_term]
        votes: Counter[str] = Counter()
        syls = folded_term.split("_")
        for part in ("title", "lead"):
            p = self.postings(part + "_f", folded_term)
            if p is None:
                continue
            for d in p.docs[np.argsort(-p.ntf, kind="stable")[:5]]:
                found = highlight.find_folded(self.stored(int(d)).get(part) or "", syls)
                if found:
                    votes[" ".join(normalize(found).split())] += 1
            if votes:
                break
        best = votes.most_common(1)[0][0] if votes else None
        with self._lock:
            if len(self._surfaces) > 100_000:
                self._surfaces.clear()
            self._surfaces[folded_term] = best
        return best


class SearchEngine:
    """Searches the live index under ``root``; picks up rebuilds and updates by itself."""

    def __init__(self, root: str | Path = "index", retire_seconds: float = 60.0):
        self.root = Path(root)
        self._snap: Snapshot | None = None
        self._checked = 0.0
        self._lock = threading.Lock()
        # Snapshots replaced by a newer generation: requests that began on them may still
        # be running, so they are closed (file handles released) only after a grace period.
        self.retire_seconds = retire_seconds
        self._retired: list[tuple[float, Snapshot]] = []

    def snapshot(self) -> Snapshot:
        now = time.monotonic()
        snap = self._snap
        if snap is not None and now - self._checked < REFRESH_SECONDS:
            return snap
        with self._lock:
            self._checked = now
            if self._retired:
                self._close_retired(now)
            snap = self._snap
            if snap is not None:
                cur = current_build(self.root)
                if (
                    cur is not None
                    and cur.name == snap.build.name
                    and snap.ix.latest_generation() == snap.generation
                ):
                    return snap
            self._snap = Snapshot(self.root)
            # Did-you-mean's vocabularies take a fraction of a second: built off the request path.
            threading.Thread(target=self._snap.prepare, daemon=True).start()
            if snap is not None:
                self._retired.append((now, snap))
                self._close_retired(now)
            return self._snap

    def _close_retired(self, now: float) -> None:
        keep = []
        for since, old in self._retired:
            if now - since >= self.retire_seconds:
                old.close()
            else:
                keep.append((since, old))
        self._retired = keep

    @property
    def index_version(self) -> str:
        return self.snapshot().version

    # ------------------------------------------------------------------ search
    def search(
        self,
        query: str,
        filters: Filters | None = None,
        facets: Iterable[str] | bool = True,
        sort: str = "relevance",
        page: int = 1,
        per_page: int = 10,
        snippets: bool = True,
        recency: float = 0.0,
        fragment_chars: int = 180,
        max_fragments: int = 3,
        suggest: bool = True,
    ) -> SearchResult:
        t0 = time.perf_counter()
        if sort not in ("relevance", "newest"):
            raise QueryError(f"sort must be 'relevance' or 'newest', not {sort!r}")
        if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
            raise QueryError(f"page must be >= 1 and per_page between 1 and {MAX_PER_PAGE}")
        if not 40 <= fragment_chars <= 1000:
            raise QueryError("fragment_chars must be between 40 and 1000")
        pq = parse(query)
        flt = (filters or Filters()).merged(pq)
        snap = self.snapshot()
        ev = _Evaluation(snap, pq, flt)
        scores, mask, relaxed = ev.run()
        if recency and scores is not None:
            scores = _apply_recency(snap, scores, recency)
        docs = np.flatnonzero(mask)
        total = len(docs)
        start = (page - 1) * per_page
        top = _rank(snap, docs, scores, sort, start + per_page)[start:]
        marks = ev.mark_terms()
        hits = [self._hit(snap, int(d), float(scores[d]) if scores is not None else 0.0, marks,
                          snippets, fragment_chars, max_fragments) for d in top]
        want = FACETS if facets is True else tuple(facets or ())
        fac = _facets(snap, docs, want)
        sugg: dict[str, list[str]] = {}
        if suggest:
            sugg = _suggestions(snap, ev, total, hits, relaxed)
        return SearchResult(
            query=query,
            total=total,
            page=page,
            per_page=per_page,
            hits=hits,
            facets=fac,
            suggestions=sugg,
            relaxed=relaxed,
            elapsed_ms=round((time.perf_counter() - t0) * 1000, 3),
            index_version=snap.version,
        )

    def _hit(self, snap, docnum, score, marks, with_snippets, fragment_chars,
             max_fragments) -> Hit:
        d = snap.stored(docnum)
        exact, folded, weak = marks
        body = "\n".join([d.get("lead") or "", *(d.get("captions") or []), *(d.get("body") or [])])
        return Hit(
            id=d["id"],
            title=d["title"],
            url=d.get("url"),
            published=d.get("published"),
            category=d.get("category"),
            tags=d.get("tags") or [],
            source=d.get("source"),
            author=d.get("author"),
            lead=d.get("lead") or "",
            score=round(score, 4),
            title_html=highlight.mark_text(d["title"], exact, folded),
            snippets=(
                highlight.snippets(body, exact, folded, fragment_chars, max_fragments, weak)
                if with_snippets
                else []
            ),
        )

    # ------------------------------------------------------------------ other entry points
    def article(self, article_id: str) -> Article | None:
        snap = self.snapshot()
        docnum = snap.searcher.document_number(id=article_id)
        if docnum is None:
            return None
        return article_from_stored(snap.searcher.stored_fields(docnum))

    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        """Completions for a search box, most frequent first.

        The last (partial) syllable is completed; a word it forms with the syllable before it
        (``phong th`` -> ``phong thổ``) comes before single-syllable completions.
        """
        words = prefix.split()
        if not words or len(prefix) > 200 or limit < 1:
            return []
        snap = self.snapshot()
        last_f = fold(normalize(words[-1]))
        prev_f = fold(normalize(words[-2])) if len(words) > 1 else None
        results: list[str] = []
        typed = [normalize(w) for w in words]
        searches = [(prev_f + "_" + last_f, typed[:-2])] if prev_f else []
        searches.append((last_f, typed[:-1]))
        for pref, head in searches:
            found: dict[str, int] = {}
            for f in ("title_f", "body_f"):
                for n, btext in enumerate(snap.reader.expand_prefix(f, pref)):
                    if n >= 2000:
                        break
                    t = btext.decode("utf-8")
                    if t.count("_") != pref.count("_"):
                        continue  # longer words than the reader typed so far
                    found[t] = found.get(t, 0) + snap.reader.doc_frequency(f, t)
            for t, _ in sorted(found.items(), key=lambda kv: (-kv[1], kv[0])):
                shown = " ".join([*head, snap.surface(t) or t.replace("_", " ")])
                if shown not in results:
                    results.append(shown)
                if len(results) >= limit:
                    return results
        return results

    def stats(self) -> dict:
        snap = self.snapshot()
        pub = snap.published[snap.live & (snap.published >= 0)] if len(snap.published) else []
        span = None
        if len(pub):
            span = [_from_whoosh_dt(int(pub.min())).date().isoformat(),
                    _from_whoosh_dt(int(pub.max())).date().isoformat()]
        sources = np.bincount(snap.src_ids[snap.live & (snap.src_ids >= 0)],
                              minlength=len(snap.src_labels))
        size = sum(p.stat().st_size for p in snap.build.path.rglob("*") if p.is_file())
        return {
            "articles": snap.doc_count,
            "published_span": span,
            "sources": {snap.src_labels[i]: int(c) for i, c in enumerate(sources) if c},
            "index_bytes": size,
            "index_version": snap.version,
            "build": snap.build.name,
            "path": str(snap.build.path),
        }


# ---------------------------------------------------------------------- evaluation
class _Evaluation:
    def __init__(self, snap: Snapshot, pq: ParsedQuery, flt: Filters):
        self.snap = snap
        self.pq = pq
        self.flt = flt
        self.units: list[_Unit] = []
        self.words: list[tuple[str, str, tuple[str, ...]]] = []  # (exact, folded, parts)
        self.phrases: list[tuple[list[str], tuple[str, ...], bool]] = []
        self.shingles: list[tuple[str, tuple[str, ...]]] = []  # (folded pair, parts)
        self.syllables: list[str] = []  # of the words and phrases typed, in order, all kept
        self.accented = any(not is_folded(normalize(c.text)) for c in pq.positive)
        self._build_units()

    def _build_units(self) -> None:
        groups: dict[int, list[Clause]] = {}
        for c in self.pq.positive:
            groups.setdefault(c.group, []).append(c)
        run: list[Clause] = []  # consecutive plain words in one field are analyzed together

        def flush() -> None:
            if run:
                self._add_text(" ".join(c.text for c in run), _parts(run[0].field), False)
                run.clear()

        for clauses in groups.values():
            c = clauses[0]
            if len(clauses) > 1:  # OR: one unit whose alternatives are the clauses
                flush()
                alts = []
                for c in clauses:
                    syls = tuple(t.text for t in analyze(c.text, words=False) if t.kind == "syl")
                    if syls:
                        alts.append(_Alt(syls, _parts(c.field), c.phrase and len(syls) > 1))
                if alts:
                    self.units.append(_Unit(alts))
            elif c.phrase:
                flush()
                self._add_text(c.text, _parts(c.field), True)
            else:
                if run and run[0].field != c.field:
                    flush()
                run.append(c)
        flush()
        # Bounded work: only the rarest units, and the first words and pairs, take part
        # when a query is very long.
        self.words = self.words[:MAX_UNITS]
        self.shingles = self.shingles[:MAX_UNITS]
        for u in self.units:
            u.df = min(self._alt_df(a) for a in u.alternatives)
        if len(self.units) > MAX_UNITS:
            keep = set(map(id, sorted(self.units, key=lambda u: (u.stop, u.df))[:MAX_UNITS]))
            self.units = [u for u in self.units if id(u) in keep]

    def _add_text(self, text: str, parts: tuple[str, ...], phrase: bool) -> None:
        """Units for a run of words: one per syllable, abbreviations as one unit."""
        stops = stopwords()
        toks = analyze(text)
        syls = [t.text for t in toks if t.kind == "syl"]
        self.syllables += syls
        whole = abbrev.find(syls, 0)
        if phrase and len(syls) > 1 and not (whole and whole[0] == len(syls)):
            # (a quoted abbreviation expansion is satisfied by any of its forms)
            self.phrases.append((syls, parts, self.accented))
        i = 0
        while i < len(syls):
            found = abbrev.find(syls, i)
            if found:
                n, forms = found
                # Multi-syllable forms (Ủy ban nhân dân) match as pyvi words, not positional
                # phrases: Whoosh phrases over such common words cost 100s of ms.
                self.units.append(_Unit([_Alt(f, parts, words=_form_words(f)) for f in forms]))
                i += n
                continue
            self.units.append(_Unit([_Alt((syls[i],), parts)], stop=syls[i] in stops))
            i += 1
        for t in toks:
            if t.kind in ("word", "comp"):
                self.words.append((t.text, t.folded, parts))
        syl_toks = [t for t in toks if t.kind == "syl"]
        for a, b in itertools.pairwise(syl_toks):
            if text[a.endchar:b.startchar].isspace():
                # Titles and leads have shingles; in bodies a pair counts when pyvi made it
                # one word there (phong_thổ), which the folded body field holds.
                self.shingles.append((a.folded + "_" + b.folded, parts))
                if "body" in parts:
                    self.words.append((a.text + "_" + b.text, a.folded + "_" + b.folded,
                                       ("body",)))

    def _alt_df(self, alt: _Alt) -> int:
        dfs = []
        for s in alt.syls:
            best = 0
            for part in alt.parts:
                p = self.snap.postings(FIELDS[part][1], fold(s))
                if p:
                    best = max(best, len(p.docs))
            dfs.append(best)
        return min(dfs) if dfs else 0

    def mark_terms(self) -> tuple[set[str], set[str], set[str]]:
        """What highlighting marks: exact terms (accented query) or folded ones, and which
        of them are stopwords (marked, but they do not choose snippets)."""
        exact: set[str] = set()
        folded: set[str] = set()
        weak: set[str] = set()
        for u in self.units:
            for alt in u.alternatives:
                for s in alt.syls:
                    t = s if self.accented else fold(s)
                    (exact if self.accented else folded).add(t)
                    if u.stop:
                        weak.add(t)
        return exact, folded, weak

    # Evaluation is AND-first over sorted docnum arrays: the rarest required unit gives the
    # candidates, every other required unit filters them (binary search in its postings), and
    # only the survivors are scored. Work grows with the candidates, not with the corpus.

    def _has(self, fieldnames: Iterable[str], term: str, cand: np.ndarray) -> np.ndarray:
        """Which candidates hold ``term`` in any of ``fieldnames``."""
        out = np.zeros(len(cand), dtype=bool)
        for f in fieldnames:
            p = self.snap.postings(f, term)
            if p is not None:
                out |= p.locate(cand)[1]
        return out

    def _folded_fields(self, parts: tuple[str, ...]) -> list[str]:
        return [FIELDS[p][1] for p in parts]

    def _alt_matches(self, alt: _Alt, cand: np.ndarray,
                     syllables_found: np.ndarray | None = None) -> np.ndarray:
        """Where an alternative matches; ``syllables_found`` saves the syllable lookups when
        the caller already knows where all its syllables are."""
        fields = self._folded_fields(alt.parts)
        if syllables_found is not None:
            m = syllables_found.copy()
        else:
            m = np.ones(len(cand), dtype=bool)
            for s in alt.syls:
                m &= self._has(fields, fold(s), cand)
        for w in alt.words:
            m &= self._has(fields, fold(w), cand)
        if alt.phrase:
            m &= self._phrase_among(list(alt.syls), alt.parts, self.accented, cand)
        return m

    def _unit_matches(self, u: _Unit, cand: np.ndarray) -> np.ndarray:
        m = np.zeros(len(cand), dtype=bool)
        for alt in u.alternatives:
            m |= self._alt_matches(alt, cand)
        return m

    def _unit_docs(self, u: _Unit) -> np.ndarray:
        """Sorted docnums where a unit matches (folded forms, any of its parts).

        Built on a dense mask: scattering postings is linear, where merging sorted lists of
        common syllables with np.unique would sort tens of thousands of docnums.
        """
        n = self.snap.n
        unit = np.zeros(n, dtype=bool)
        for alt in u.alternatives:
            match = None
            for term in [*(fold(s) for s in alt.syls), *(fold(w) for w in alt.words)]:
                here = np.zeros(n, dtype=bool)
                for f in self._folded_fields(alt.parts):
                    p = self.snap.postings(f, term)
                    if p is not None:
                        here[p.docs] = True
                match = here if match is None else (match & here)
            if match is None:
                continue
            if alt.phrase:
                match &= self._phrase_docs(list(alt.syls), alt.parts, self.accented)
            unit |= match
        return np.flatnonzero(unit).astype(np.int32)  # the postings' dtype (see locate)

    def _unit_score(self, u: _Unit, cand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Score of a unit on the candidates (best alternative) and where it matched."""
        best = np.zeros(len(cand), dtype=np.float32)
        matched = np.zeros(len(cand), dtype=bool)
        fold_w = FOLDED_WEIGHT_ACCENTED if self.accented else 1.0
        for alt in u.alternatives:
            score = np.zeros(len(cand), dtype=np.float32)
            found = np.ones(len(cand), dtype=bool)  # every syllable in some folded field
            for s in alt.syls:
                g, here = self._bm25f([FIELDS[p][1] for p in alt.parts], alt.parts, fold(s),
                                      cand)
                score += g * np.float32(fold_w)
                found &= here
                if self.accented:
                    score += self._bm25f([FIELDS[p][0] for p in alt.parts], alt.parts, s,
                                         cand)[0]
            m = self._alt_matches(alt, cand, found)
            np.maximum(best, np.where(m, score, 0), out=best)
            matched |= m
        return best, matched

    def _bm25f(self, fields: list[str], parts: tuple[str, ...], term: str,
               cand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """BM25F of ``term`` over ``fields`` for each candidate, and where it is present.

        Length-normalized term frequencies are weighted by part and summed before the one
        saturation, so a word in the title and the body is not counted as two words. The
        document frequency is the largest of the fields' (as Lucene's CombinedFieldQuery).
        """
        tf = np.zeros(len(cand), dtype=np.float32)
        here = np.zeros(len(cand), dtype=bool)
        idf = None
        for f, part in zip(fields, parts):
            p = self.snap.postings(f, term)
            if p is None or len(cand) == 0:
                continue
            idx, there = p.locate(cand)
            tf += p.ntf.take(idx) * (there * np.float32(PART_BOOST[part]))
            here |= there
            idf = p.idf if idf is None else min(idf, p.idf)
        if idf is None:
            return tf, here
        return np.float32(idf * (K1 + 1)) * tf / (tf + np.float32(K1)), here

    def _bonus(self, cand: np.ndarray) -> np.ndarray:
        """Whole pyvi words and adjacent pairs of the query (see the module docstring), each
        scored by BM25F over the parts like a syllable."""
        out = np.zeros(len(cand), dtype=np.float32)
        for exact, folded, parts in self.words:
            # Whole words score in one form: exact for an accented query, else folded.
            fields = [FIELDS[p][0 if self.accented else 1] for p in parts]
            out += np.float32(WORD_BONUS) * self._bm25f(
                fields, parts, exact if self.accented else folded, cand)[0]
        for pair, parts in self.shingles:
            sh = tuple(p for p in parts if p in SHINGLE_PARTS)
            if sh:
                out += np.float32(SHINGLE_WEIGHT) * self._bm25f(
                    [p + "_sh" for p in sh], sh, pair, cand)[0]
        return out

    def run(self) -> tuple[np.ndarray | None, np.ndarray, bool]:
        snap = self.snap
        n = snap.n
        base = snap.live.copy()
        self._apply_filters(base)
        self._apply_exclusions(base)
        if not self.units:
            if self.pq.clauses and not self.pq.positive:
                return None, base, False  # only exclusions: everything else matches
            if self.pq.clauses:
                return None, np.zeros(n, dtype=bool), False
            return None, base, False  # filters only (or empty): browse
        # Stopwords are not required, unless the query is nothing but stopwords (a reader
        # typing "lại phải vượt khó" wants all four).
        required = sorted([u for u in self.units if not u.stop] or self.units,
                          key=lambda u: u.df)
        cand = self._unit_docs(required[0])
        cand = cand[base[cand]]
        for u in required[1:]:
            if len(cand) == 0:
                break
            cand = cand[self._unit_matches(u, cand)]
        for syls, parts, accented in self.phrases:
            cand = cand[self._phrase_among(syls, parts, accented, cand)]
        relaxed = False
        scored = cand
        if len(cand) == 0 and not self.phrases:
            relaxed = True
            cand, matched = self._any_unit_docs(base)
            scored = cand
            if len(cand) > RELAXED_SCORE_MAX:
                # Bounded work: only the documents matching the most units are scored; the
                # rest still count in the total and facets. (Ties: the lower docnum.)
                keep = np.lexsort((cand, -matched))[:RELAXED_SCORE_MAX]
                scored = cand[np.sort(keep)]
        scores = self._bonus(scored)
        count = np.zeros(len(scored), dtype=np.float32)
        for u in self.units:
            us, um = self._unit_score(u, scored)
            scores += us * np.float32(STOPWORD_WEIGHT if u.stop else 1.0)
            count += um
        if relaxed:
            # Coordination: documents matching more of the query come first.
            scores *= ((count + 1) / (len(self.units) + 1)) ** 2
        total = np.zeros(n, dtype=np.float32)
        total[scored] = scores
        mask = np.zeros(n, dtype=bool)
        mask[cand] = True
        return total, mask, relaxed

    def _any_unit_docs(self, base: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Docs matching any unit (sorted), and how many units each matches."""
        count = np.zeros(self.snap.n, dtype=np.int16)
        for u in self.units:
            count[self._unit_docs(u)] += 1
        docs = np.flatnonzero((count > 0) & base).astype(np.int32)
        return docs, count[docs]

    def _phrase_docs(self, syls: list[str], parts: tuple[str, ...], accented: bool) -> np.ndarray:
        out = np.zeros(self.snap.n, dtype=bool)
        out[self.snap.phrase_docs(*_phrase_terms(syls, parts, accented))] = True
        return out

    def _phrase_among(self, syls: list[str], parts: tuple[str, ...], accented: bool,
                      cand: np.ndarray) -> np.ndarray:
        return self.snap.phrase_among(*_phrase_terms(syls, parts, accented), cand)

    def _apply_exclusions(self, mask: np.ndarray) -> None:
        for c in self.pq.clauses:
            if not c.negated:
                continue
            syls = [t.text for t in analyze(c.text, words=False) if t.kind == "syl"]
            if not syls:
                continue
            accented = not is_folded(normalize(c.text))
            parts = _parts(c.field)
            if len(syls) > 1:
                mask &= ~self._phrase_docs(syls, parts, accented)
                continue
            s = syls[0]
            for part in parts:
                ef, ff = FIELDS[part]
                p = self.snap.postings(ef, s) if accented else self.snap.postings(ff, fold(s))
                if p is not None:
                    mask[p.docs] = False

    def _apply_filters(self, mask: np.ndarray) -> None:
        snap, flt = self.snap, self.flt
        for ids, keys, want, avoid in (
            (snap.cat_ids, snap.cat_keys, flt.categories, flt.not_categories),
            (snap.src_ids, snap.src_keys, flt.sources, flt.not_sources),
        ):
            if want:
                mask &= np.isin(ids, [keys.get(facet_key(v), -2) for v in want])
            if avoid:
                mask &= ~np.isin(ids, [keys.get(facet_key(v), -2) for v in avoid])
        for tag in flt.tags:
            t = np.zeros(snap.n, dtype=bool)
            t[self._tag_docs(tag)] = True
            mask &= t
        for tag in flt.not_tags:
            mask[self._tag_docs(tag)] = False
        if flt.date_from or flt.date_to:
            pub = snap.published
            ok = pub >= 0
            if flt.date_from:
                ok &= pub >= _to_whoosh_dt(flt.date_from)
            if flt.date_to:
                ok &= pub < _to_whoosh_dt(flt.date_to, next_day=True)
            mask &= ok

    def _tag_docs(self, tag: str) -> np.ndarray:
        btext = facet_key(tag).encode("utf-8")
        out = [np.zeros(0, dtype=np.int64)]
        for seg, off in self.snap.leaves:
            if ("tags", btext) in seg:
                out.append(np.fromiter(seg.postings("tags", btext).all_ids(), dtype=np.int64) + off)
        return np.concatenate(out)


def _phrase_terms(syls: list[str], parts: tuple[str, ...],
                  accented: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The fields and terms a quoted phrase is matched in: exact ones when it has accents."""
    fields = tuple(FIELDS[p][0 if accented else 1] for p in parts)
    return fields, (tuple(syls) if accented else tuple(fold(s) for s in syls))


@lru_cache(maxsize=4096)
def _form_words(form: tuple[str, ...]) -> tuple[str, ...]:
    """The pyvi words of a multi-syllable form (``uỷ ban nhân dân`` -> uỷ_ban, nhân_dân)."""
    if len(form) < 2:
        return ()
    return tuple(t.text for t in analyze(" ".join(form)) if t.kind == "word")


def _label(value: str) -> str:
    return " ".join(unicodedata.normalize("NFC", value).split())


def _parts(fieldname: str | None) -> tuple[str, ...]:
    if fieldname is None:
        return TEXT_PARTS
    return (fieldname,)


_MAX_DT = datetime_to_long(datetime.max)


# The published column holds Whoosh's datetime longs (microseconds since datetime.min, UTC).
def _to_whoosh_dt(d: date, next_day: bool = False) -> int:
    """Start of local day ``d`` (or of the day after), clamped to Whoosh's range."""
    if d <= date.min + timedelta(days=1):
        return 0
    if d >= date.max - timedelta(days=2):
        return datetime_to_long(datetime.max)
    if next_day:
        d += timedelta(days=1)
    local = datetime(d.year, d.month, d.day, tzinfo=LOCAL_TZ)
    return datetime_to_long(local.astimezone(UTC).replace(tzinfo=None))


def _from_whoosh_dt(value: int) -> datetime:
    return long_to_datetime(value).replace(tzinfo=UTC).astimezone(LOCAL_TZ)


def _apply_recency(snap: Snapshot, scores: np.ndarray, weight: float) -> np.ndarray:
    pub = snap.published
    dated = pub >= 0
    if not dated.any():
        return scores
    newest = pub[dated & snap.live].max() if (dated & snap.live).any() else pub[dated].max()
    age_days = (newest - pub) / 86_400_000_000
    boost = np.where(dated, 0.5 ** (np.maximum(age_days, 0) / RECENCY_HALF_LIFE_DAYS), 0)
    return scores * (1 + weight * boost).astype(np.float32)


def _rank(snap: Snapshot, docs: np.ndarray, scores: np.ndarray | None, sort: str,
          k: int) -> list[int]:
    if len(docs) == 0 or k <= 0:
        return []
    if sort == "newest" or scores is None:
        pub = snap.published[docs] if len(snap.published) else np.zeros(len(docs))
        sc = scores[docs] if scores is not None else np.zeros(len(docs))
        order = np.lexsort((docs, -sc, -pub)) if sort == "newest" else np.lexsort((docs, -pub))
        return [int(docs[i]) for i in order[:k]]
    sc = scores[docs]
    if len(docs) > k:
        part = np.argpartition(-sc, k - 1)[:k]
    else:
        part = np.arange(len(docs))
    order = part[np.lexsort((docs[part], -sc[part]))]
    return [int(docs[i]) for i in order]


def _facets(snap: Snapshot, docs: np.ndarray, want: Iterable[str]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    want = set(want)
    unknown = want - set(FACETS)
    if unknown:
        raise QueryError(f"unknown facet(s): {', '.join(sorted(unknown))}; known: "
                         f"{', '.join(FACETS)}")
    for name, ids, labels in (("category", snap.cat_ids, snap.cat_labels),
                              ("source", snap.src_ids, snap.src_labels)):
        if name in want:
            sel = ids[docs]
            c = np.bincount(sel[sel >= 0], minlength=len(labels))
            out[name] = _counts(labels, c)
    if "tags" in want:
        hit = np.zeros(snap.n, dtype=bool)  # a dense mask: no sort, unlike np.isin
        hit[docs] = True
        c = np.bincount(snap.tag_vals[hit[snap.tag_docs]], minlength=len(snap.tag_labels))
        out["tags"] = _counts(snap.tag_labels, c)
    if "month" in want:
        m = snap.month[docs]
        vals, counts = np.unique(m[m > 0], return_counts=True)
        out["month"] = [{"value": f"{v // 100:04d}-{v % 100:02d}", "count": int(c)}
                        for v, c in zip(vals, counts)]
    return out


def _counts(labels: list[str], counts: np.ndarray, limit: int = 50) -> list[dict]:
    nz = np.flatnonzero(counts)
    order = sorted(nz, key=lambda i: (-counts[i], labels[i]))[:limit]
    return [{"value": labels[i], "count": int(counts[i])} for i in order]


def _suggestions(snap: Snapshot, ev: _Evaluation, total: int, hits: list[Hit],
                 ev_relaxed: bool) -> dict:
    out: dict[str, list[str]] = {}
    # The query's own syllables (the units may have dropped some of a long query's).
    flat = ev.syllables or [s for u in ev.units for s in u.alternatives[0].syls]
    if not flat:
        return out
    if not ev.accented:
        acc = _restore_accents(snap, flat, hits)
        if acc and not is_folded(normalize(acc)) and [
            t.folded for t in analyze(acc, words=False) if t.kind == "syl"
        ] == [fold(x) for x in flat]:  # the reader's syllables, punctuation aside
            out["accented"] = [acc]
    # Did-you-mean: for queries that found nothing, short ones that found almost nothing, and
    # short ones that fell back to partial matches (a long pasted text needs none).
    short = len(flat) <= SUGGEST_MAX_SYLLABLES
    if total == 0 or (short and (total < 3 or (ev_relaxed and len(ev.units) <= 4))):
        dym = _did_you_mean(snap, flat, ev.accented)
        if dym:
            out["did_you_mean"] = [dym]
    return out


def _restore_accents(snap: Snapshot, folded: list[str], hits: list[Hit]) -> str | None:
    """The accented form of an accent-free query, with corpus casing when a hit shows it;
    for a short query no hit shows, pieced together from how the corpus writes its pairs."""
    for h in hits[:5]:
        for text in (h.title, h.lead):
            found = highlight.find_folded(text, folded)
            if found:
                return found
    if len(folded) > SUGGEST_MAX_SYLLABLES:
        return None  # word by word, a long query comes back garbled (tam giu -> tắm giữ)
    out, i = [], 0
    while i < len(folded):
        pair = snap.surface(folded[i] + "_" + folded[i + 1]) if i + 1 < len(folded) else None
        if pair:
            out.append(pair)
            i += 2
        else:
            out.append(snap.surface(folded[i]) or folded[i])
            i += 1
    restored = " ".join(out)
    return restored if restored != " ".join(folded) else None


def _did_you_mean(snap: Snapshot, syllables: list[str], accented: bool) -> str | None:
    """Replace syllables the index lacks with their nearest indexed neighbour.

    Nearest by edit distance, then by document frequency; an accent-free query gets
    accent-free suggestions (the accent restoration suggests accents separately).
    """
    out, changed = [], False
    for s in syllables:
        f = fold(s)
        if snap.postings("body_f", f) or snap.postings("title_f", f) or len(f) > 30:
            out.append(s)
            continue
        best = _nearest(snap, s if accented else f, accented)
        if best:
            out.append(best)
            changed = True
        else:
            out.append(s)
    return " ".join(out) if changed else None


def _nearest(snap: Snapshot, word: str, accented: bool) -> str | None:
    """The closest title syllable (edits <= 2), or two syllables for words run together
    (``vietnaam`` -> ``viet nam``, the space counting as one edit) that titles or bodies
    hold as a word, or titles as an adjacent pair; ties go to the more frequent."""
    field = "title" if accented else "title_f"
    vocab = snap.vocabulary(field)
    r = snap.reader
    found = [(_edit_distance(word, t), -r.doc_frequency(field, t), t) for t in vocab.near(word)]
    for i in range(1, len(word)):
        left, right = vocab.near(word[:i], 1), vocab.near(word[i:], 1)
        for a in left:
            for b in right:
                edits = 1 + _edit_distance(word[:i], a) + _edit_distance(word[i:], b)
                if edits > 2:
                    continue
                df = max(r.doc_frequency(field, f"{a}_{b}"),
                         r.doc_frequency("body" if accented else "body_f", f"{a}_{b}"),
                         r.doc_frequency("title_sh", f"{fold(a)}_{fold(b)}"))
                if df:
                    found.append((edits, -df, f"{a} {b}"))
    return min(found)[2] if found else None


class _Vocabulary:
    """The single syllables of a field, found by edit distance without scanning them all:
    each is filed under the strings it gives with up to two letters deleted, and two words
    within distance d share one with at most d deleted from each (the SymSpell idea).
    Whoosh's own ``terms_within`` compares the query with every term: 100s of ms."""

    MAX_LEN = 12  # longer strings are not syllables (nor worth their many deletions)

    def __init__(self, terms: Iterable[str]):
        self._index: dict[str, list[str]] = {}
        for t in terms:
            if "_" not in t and len(t) <= self.MAX_LEN:
                for v in _deletions(t, 2):
                    self._index.setdefault(v, []).append(t)

    def near(self, word: str, distance: int = 2) -> set[str]:
        """Syllables within ``distance`` (at most 2) edits of ``word``."""
        if len(word) > self.MAX_LEN + distance:
            return set()
        found = {t for v in _deletions(word, distance) for t in self._index.get(v, ())}
        return {t for t in found if _edit_distance(word, t) <= distance}


def _deletions(word: str, n: int) -> set[str]:
    """``word`` and every string it gives with up to ``n`` letters deleted."""
    out = frontier = {word}
    for _ in range(n):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w))}
        out = out | frontier
    return out


def _edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]
