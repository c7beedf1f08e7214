"""The reader's query language, parsed leniently: any string gives a query or a clear error.

Supported: plain words, "phrases", -exclusion, OR between clauses, field prefixes
(title: lead: body: author: restrict a clause; tag: category: source: filter), and
from:/to: dates. Anything that does not parse as an operator is treated as text, so an
unbalanced quote, a lone ``-`` or ``OR``, or ``Lưu ý:`` never raises.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

from newssearch.errors import QueryError

MAX_QUERY_CHARS = 1000
TEXT_FIELDS = ("title", "lead", "body", "author")
FILTER_FIELDS = ("tag", "category", "source")
DATE_FIELDS = ("from", "to")


@dataclass
class Clause:
    text: str
    phrase: bool = False
    field: str | None = None  # one of TEXT_FIELDS, or None for all text
    negated: bool = False
    group: int = 0  # clauses sharing a group number were joined by OR


@dataclass
class Filters:
    """Restrictions that do not score: from ``tag:``-style prefixes or from API parameters."""

    tags: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    date_from: date | None = None
    date_to: date | None = None
    # -tag:x, -category:x, -source:x
    not_tags: list[str] = field(default_factory=list)
    not_categories: list[str] = field(default_factory=list)
    not_sources: list[str] = field(default_factory=list)

    def merged(self, other: Filters) -> Filters:
        """Both sets of restrictions; for dates, ours win where both give one."""
        kw: dict[str, Any] = {}
        for f in fields(Filters):
            a, b = getattr(self, f.name), getattr(other, f.name)
            kw[f.name] = [*a, *b] if isinstance(a, list) else (a or b)
        return Filters(**kw)


@dataclass
class ParsedQuery(Filters):
    clauses: list[Clause] = field(default_factory=list)

    @property
    def positive(self) -> list[Clause]:
        return [c for c in self.clauses if not c.negated]


_TOKEN_RE = re.compile(
    r'(?P<neg>-)?(?:(?P<field>[A-Za-z]+):)?(?:"(?P<phrase>[^"]*)("|$)|(?P<word>[^\s"]+))'
    r'|(?P<quote>")'
)
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")


def clean(text: str) -> str:
    """NFC, control and zero-width characters removed, whitespace collapsed."""
    text = _CONTROL_RE.sub(" ", unicodedata.normalize("NFC", text))
    return " ".join(text.split())


def _parse_date(value: str, name: str) -> date:
    for fmt in (r"(\d{4})-(\d{1,2})-(\d{1,2})$", r"(\d{1,2})/(\d{1,2})/(\d{4})$"):
        m = re.match(fmt, value)
        if m:
            a, b, c = (int(x) for x in m.groups())
            y, mo, d = (a, b, c) if a > 31 else (c, b, a)
            try:
                return date(y, mo, d)
            except ValueError:
                break
    raise QueryError(f"{name}: expects a date like 2020-10-25 or 25/10/2020, got {value!r}")


def parse_date(value: str, name: str = "date") -> date:
    return _parse_date(value.strip(), name)


def parse(query: str) -> ParsedQuery:
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(
            f"The query is {len(query)} characters long; the limit is {MAX_QUERY_CHARS}."
        )
    if _SURROGATE_RE.search(query):  # undecodable bytes of a command line: no text to echo
        raise QueryError("The query holds bytes that are not UTF-8; type it again as text.")
    q = ParsedQuery()
    text = clean(query)
    group = 0
    join_next = False
    for m in _TOKEN_RE.finditer(text):
        if m.group("quote"):
            continue
        neg = bool(m.group("neg"))
        fld = (m.group("field") or "").lower() or None
        phrase = m.group("phrase")
        word = m.group("word")
        if m.group("field") and fld not in TEXT_FIELDS + FILTER_FIELDS + DATE_FIELDS:
            # Not an operator (e.g. "Lưu ý:" or "http:"): the whole match is text.
            fld = None
            word = m.group("field") + ":" + (word if word is not None else f'"{phrase}"')
            phrase = None
        value = phrase if phrase is not None else word
        if fld in FILTER_FIELDS + DATE_FIELDS:
            if not value or not value.strip():
                continue
            if fld in FILTER_FIELDS:
                name = {"tag": "tags", "category": "categories", "source": "sources"}[fld]
                getattr(q, ("not_" if neg else "") + name).append(value.strip())
            elif fld == "from":
                q.date_from = _parse_date(value.strip(), "from")
            else:
                q.date_to = _parse_date(value.strip(), "to")
            continue
        if word is not None and phrase is None:
            if word == "OR" and not neg and fld is None:
                join_next = bool(q.clauses)
                continue
            if neg and re.fullmatch(r"[\d.,]+", word):
                neg, word = False, "-" + word  # "-5" is a number, not an exclusion
            value = word
        if not value or not re.search(r"\w", value):
            continue  # lone operators and punctuation
        if not join_next:
            group += 1
        join_next = False
        q.clauses.append(
            Clause(text=value, phrase=phrase is not None, field=fld, negated=neg, group=group)
        )
    return q
