"""The Whoosh schema: what is indexed, stored and kept in columns.

Text parts (title, lead, body) each have an exact field (normalized syllables, pyvi words,
composites) and a folded twin (accent-free forms), so accent-free readers match and ranking
can still prefer exact accents. One analysis pass per text serves both twins: the field
types below share a small cache keyed on the text, so the segmenter runs once per part.
"""

from __future__ import annotations

import json
from array import array
from collections import defaultdict
from datetime import UTC
from functools import lru_cache
from typing import Any

from whoosh import columns, fields, formats
from whoosh.analysis import Tokenizer
from whoosh.analysis.acore import Token as WToken

from newssearch.index.flat.files import MAX_POS, MAX_TF
from newssearch.model import LOCAL_TZ, Article
from newssearch.text.analysis import Token, analyze, normalize
from newssearch.text.storykey import COLUMN as STORY_COLUMN
from newssearch.text.storykey import article_text, story_key

# 4: the text fields' postings only in the flat sets (flatset.py), none in Whoosh.
FORMAT_VERSION = 4
READ_FORMATS = (4,)  # formats this code reads and updates; others need a rebuild
TEXT_PARTS = ("title", "lead", "body")
# Which exact/folded fields a part maps to, e.g. "body" -> ("body", "body_f").
PART_FIELDS = {p: (p, p + "_f") for p in TEXT_PARTS}
TAG_SEP = "\x1f"
SHINGLE_PARTS = ("title", "lead")  # bodies are left out: too many pairs for the build cost


@lru_cache(maxsize=16)
def _tokens(text: str) -> list[Token]:
    """One analysis per text, shared by its exact, folded and shingle fields."""
    return analyze(text)


@lru_cache(maxsize=16)
def _postings(text: str) -> tuple[dict[str, list[int]], dict[str, list[int]], frozenset[str]]:
    """For ``text``: exact term -> positions, folded term -> positions, and the terms (exact
    or folded) that are not plain syllables (pyvi words and composites)."""
    exact: dict[str, list[int]] = defaultdict(list)
    folded: dict[str, list[int]] = defaultdict(list)
    other: set[str] = set()
    for t in _tokens(text):
        exact[t.text].append(t.pos)
        folded[t.folded].append(t.pos)
        if t.kind != "syl":
            other.add(t.text)
            other.add(t.folded)
    return exact, folded, frozenset(other)


def _shingles(text: str) -> dict[str, int]:
    """Folded shingles (adjacent syllable pairs, ``phong_tho``) of ``text`` -> count."""
    shingles: dict[str, int] = defaultdict(int)
    prev: tuple[str, int] | None = None
    for t in _tokens(text):
        if t.kind == "syl":
            # Pairs never cross punctuation: "quán, bị" are not adjacent words.
            if prev is not None and (prev[1] == t.startchar or text[prev[1]:t.startchar].isspace()):
                shingles[prev[0] + "_" + t.folded] += 1
            prev = (t.folded, t.endchar)
    return shingles


def position_bytes(poses: list[int]) -> bytes:
    """The value a syllable's posting carries to the flat postings: its first ``MAX_TF``
    positions as uint16 (see ``flatset``)."""
    poses = poses[:MAX_TF]
    if poses[-1] > MAX_POS:
        poses = [min(p, MAX_POS) for p in poses]
    return array("H", poses).tobytes()


class VnTokenizer(Tokenizer):
    """Whoosh-compatible view of :func:`analyze` (used by Whoosh helpers such as more_like)."""

    def __init__(self, folded: bool = False):
        self.folded = folded

    def __eq__(self, other):
        return isinstance(other, VnTokenizer) and other.folded == self.folded

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, mode="", **kwargs):
        t = WToken(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for tok in analyze(value):
            t.text = tok.folded if self.folded else tok.text
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = value[tok.startchar:tok.endchar]
            if positions:
                t.pos = start_pos + tok.pos
            if chars:
                t.startchar = start_char + tok.startchar
                t.endchar = start_char + tok.endchar
            yield t


class Shingles(fields.FieldType):
    """Adjacent folded syllable pairs of a text: a cheap proximity signal for ranking
    (counts only: their postings go to the flat sets, never to Whoosh).

    A title holding the reader's words next to each other, in order, beats one holding them
    apart; positions would tell that too, but reading them costs far more at query time.
    """

    def __init__(self):
        self.format = formats.Frequency()
        self.analyzer = VnTokenizer(True)
        self.scorable = True
        self.stored = False
        self.unique = False
        self.vector = None
        self.column_type = None

    def index(self, value, **kwargs):
        for term, n in _shingles(value).items():
            yield term.encode("utf-8"), n, float(n), b""


class VnText(fields.TEXT):
    """A TEXT field whose postings come straight from the shared analysis cache.

    Skips Whoosh's per-token objects at index time: the analysis is computed once per text
    for both the exact and the folded field. The postings go to the flat sets only
    (``postpool``); an exact syllable's carries its positions, for quoted phrases (which
    are matched on syllables, never on pyvi words or composites).
    """

    def __init__(self, folded: bool = False):
        super().__init__(analyzer=VnTokenizer(folded), phrase=True)
        self.folded = folded

    def index(self, value, **kwargs):
        # The weight is the term frequency: search reads it back as tf (no field boosts here;
        # ranking applies its own per-field weights).
        exact, folded, other = _postings(value)
        if self.folded:
            for term, poses in folded.items():
                yield term.encode("utf-8"), len(poses), float(len(poses)), b""
            return
        for term, poses in exact.items():
            yield (term.encode("utf-8"), len(poses), float(len(poses)),
                   b"" if term in other else position_bytes(poses))


def build_schema() -> fields.Schema:
    s = fields.Schema(
        id=fields.ID(unique=True, stored=True, sortable=True),
        url=fields.ID(),
        author=VnText(folded=False),
        author_f=VnText(folded=True),
        # Filters match normalized values; facet labels come from the *_c display columns.
        tags=fields.KEYWORD(commas=True, scorable=True),
        category=fields.ID(),
        source=fields.ID(),
        published=fields.DATETIME(sortable=True),
        tagset=fields.COLUMN(columns.VarBytesColumn()),
        nameset=fields.COLUMN(columns.VarBytesColumn()),  # extracted tags (a build before has none)
        category_c=fields.COLUMN(columns.RefBytesColumn()),
        source_c=fields.COLUMN(columns.RefBytesColumn()),
        month=fields.COLUMN(columns.NumericColumn("i", default=0)),
        hash=fields.COLUMN(columns.VarBytesColumn()),
        doc=fields.STORED(),
    )
    s.add(STORY_COLUMN, fields.COLUMN(columns.VarBytesColumn()))  # duplicates.story_key
    for part in TEXT_PARTS:
        exact, fold = PART_FIELDS[part]
        s.add(exact, VnText(folded=False))
        s.add(fold, VnText(folded=True))
    for part in SHINGLE_PARTS:
        s.add(part + "_sh", Shingles())
    return s


def doc_fields(article: Article, content_hash: str | None = None,
               schema: fields.Schema | None = None) -> dict:
    """The Whoosh document for an article: every field an article page needs is stored.
    With ``schema`` (an existing index's), only the fields it has: an index written by an
    earlier version keeps its own field set until its next rebuild."""
    body = indexed_body(article)
    tags = [t for t in article.tags if t]
    names = [t for t in article.extracted_tags if t]
    d: dict[str, Any] = {
        "id": article.id,
        "title": article.title,
        "title_f": article.title,
        "lead": article.lead or "",
        "lead_f": article.lead or "",
        "body": body,
        "body_f": body,
        "title_sh": article.title,
        "lead_sh": article.lead or "",
        "tagset": TAG_SEP.join(tags).encode("utf-8"),
        "nameset": TAG_SEP.join(names).encode("utf-8"),
        "hash": (content_hash or article.content_hash()).encode("ascii"),
        STORY_COLUMN: story_key(article.title, article_text(article.lead or "", article.body)),
        "doc": json.dumps(article.to_dict(), ensure_ascii=False),
    }
    if article.url:
        d["url"] = article.url
    if article.author:
        d["author"] = d["author_f"] = article.author
    if tags or names:  # tag: finds the publisher's tags and the extracted ones alike
        d["tags"] = ",".join(dict.fromkeys(facet_key(t).replace(",", " ") for t in tags + names))
    if article.category:
        d["category"] = facet_key(article.category)
        d["category_c"] = article.category.encode("utf-8")
    if article.source:
        d["source"] = facet_key(article.source)
        d["source_c"] = article.source.encode("utf-8")
    if article.published:
        d["published"] = article.published.astimezone(UTC).replace(tzinfo=None)
        local = article.published.astimezone(LOCAL_TZ)
        d["month"] = local.year * 100 + local.month
    if schema is not None:
        d = {k: v for k, v in d.items() if k in schema}
    return d


def indexed_body(article: Article) -> str:
    """The text the body fields index: captions, then the body's paragraphs."""
    return "\n".join([*article.captions, *article.body])


def facet_key(value: str) -> str:
    """How tag/category/source filters compare: normalized, spaces collapsed."""
    return " ".join(normalize(value).split())


def article_from_stored(stored: dict) -> Article:
    """The Article back from a Whoosh stored-fields dict (the inverse of doc_fields)."""
    return Article.from_dict(json.loads(stored["doc"]))
