"""JSON Lines reader (plain or gzip) for the record schema of ../shared/data/README.md.

Bad lines are reported as :class:`Rejected` items in the stream, never raised, so one broken
record (or a truncated download) costs only that record: everything readable is ingested.
Bytes are decoded per line, so a stray non-UTF-8 line is reported with its line number.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, NamedTuple, TextIO

from newssearch.model import LOCAL_TZ, Article, parse_datetime

CHUNK = 1 << 20
GZIP_MAGIC = b"\x1f\x8b"
_SURROGATE = re.compile("[\ud800-\udfff]")  # undecodable bytes smuggled in by surrogateescape
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")  # half of a pair, or a lone one


class Rejected(NamedTuple):
    """A line (or, with ``line=None``, a whole file) that yields no article, and why."""

    line: int | None
    reason: str


class Parsed(NamedTuple):
    """An article and the line it came from (None for a whole-file page)."""

    line: int | None
    article: Article


def _text(value: Any) -> str | None:
    """A stripped non-empty string, or None for anything else (wrong types are ignored)."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return None


def _text_list(value: Any) -> list[str]:
    """Strings kept as given (stripped, empties dropped); a bare string counts as one item."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    return [s for s in (v.strip() for v in value if isinstance(v, str)) if s]


def _paragraphs(value: Any) -> list[str]:
    """Body as paragraphs: a ``\\n``-separated string (the schema) or a list (our own output)."""
    if isinstance(value, str):
        value = value.split("\n")
    return _text_list(value)


def _tags(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    return _text_list(value)


def record_to_article(obj: Any, line: int, id_base: str) -> Parsed | Rejected:
    """One decoded JSON value -> Article, or the reason it can't be one."""
    if not isinstance(obj, dict):
        return Rejected(line, "not a JSON object")
    title = _text(obj.get("title"))
    if title is None:
        return Rejected(line, "missing 'title'")
    body = _paragraphs(obj.get("body"))
    if not body:
        return Rejected(line, "missing 'body'")
    dates: dict[str, datetime | None] = {}
    for key in ("published", "crawled_at"):
        value = obj.get(key)
        if value is None or value == "":
            dates[key] = None
            continue
        try:
            parsed = dates[key] = parse_datetime(value)
            # The index stores UTC and local months: 0001-01-01+07:00 has no UTC year.
            parsed.astimezone(UTC).astimezone(LOCAL_TZ)
        except (ValueError, TypeError, AttributeError):
            return Rejected(line, f"unparseable date {str(value)[:40]!r}")
        except OverflowError:
            return Rejected(line, f"date out of range {str(value)[:40]!r}")
    url = _text(obj.get("url"))
    doc_id = obj.get("id")
    if isinstance(doc_id, int) and not isinstance(doc_id, bool):
        doc_id = str(doc_id)
    doc_id = _text(doc_id) or url or f"{id_base}#{line}"
    return Parsed(line, Article(
        id=doc_id,
        title=title,
        body=body,
        lead=_text(obj.get("lead")) or "",
        published=dates["published"],
        crawled_at=dates["crawled_at"],
        author=_text(obj.get("author")),
        tags=_tags(obj.get("tags")),
        category=_text(obj.get("category")),
        url=url,
        source=_text(obj.get("source")),
        captions=_text_list(obj.get("captions")),
        related_titles=_text_list(obj.get("related_titles")),
    ))


def parse_line(text: str, line: int, id_base: str) -> Parsed | Rejected | None:
    """One line of text -> Parsed / Rejected; None for a blank line (not worth a report)."""
    if not text or text.isspace():
        return None
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):
        return Rejected(line, "invalid JSON")
    if _ESCAPED_SURROGATE.search(text) and not _encodable(obj):
        return Rejected(line, "not UTF-8 (a lone surrogate escape)")
    return record_to_article(obj, line, id_base)


def _encodable(obj: Any) -> bool:
    """False when a string holds a lone surrogate (``"\\ud800"``), which no index can store."""
    try:
        json.dumps(obj, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _parse_bytes(raw: bytes, line: int, id_base: str) -> Parsed | Rejected | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return Rejected(line, "not UTF-8")
    return parse_line(text, line, id_base)


def read_jsonl(path: str, id_base: str) -> Iterator[Parsed | Rejected]:
    """Articles and rejects of a JSON Lines file; gzip is detected by its magic bytes.

    Reads in large chunks and splits lines itself (faster than readline on GzipFile), and
    so keeps every complete line that precedes a truncation point.
    """
    with open(path, "rb") as raw:
        gz = raw.read(2) == GZIP_MAGIC
        raw.seek(0)
        stream: io.BufferedIOBase = gzip.GzipFile(fileobj=raw, mode="rb") if gz else raw
        yield from _read_stream(stream, id_base)


def _read_stream(stream: io.BufferedIOBase, id_base: str) -> Iterator[Parsed | Rejected]:
    line = 0
    pending = b""
    first = True
    try:
        while chunk := stream.read1(CHUNK):  # read() would drop a chunk cut by truncation
            if first:
                first = False
                if b"\x00" in chunk[:8192]:
                    yield Rejected(None, "binary file")
                    return
                chunk = chunk.removeprefix(b"\xef\xbb\xbf")
            parts = (pending + chunk).split(b"\n") if pending else chunk.split(b"\n")
            pending = parts.pop()
            for part in parts:
                line += 1
                item = _parse_bytes(part, line, id_base)
                if item is not None:
                    yield item
    except EOFError:
        # Truncated gzip: ``pending`` is a cut-off line, unless only the trailer was lost.
        item = _parse_bytes(pending, line + 1, id_base) if pending.strip() else None
        if isinstance(item, Parsed):
            yield item
            line += 1
        yield Rejected(line + 1, "truncated gzip")
        return
    except (zlib.error, gzip.BadGzipFile):
        yield Rejected(line + 1, "corrupt gzip")
        return
    if pending.strip():
        item = _parse_bytes(pending, line + 1, id_base)
        if item is not None:
            yield item


def read_jsonl_text(stream: TextIO, id_base: str) -> Iterator[Parsed | Rejected]:
    """Articles and rejects of an already-decoded stream (stdin)."""
    line = 0
    try:
        for text in stream:
            line += 1
            if line == 1:
                text = text.removeprefix("\ufeff")
            if _SURROGATE.search(text):
                yield Rejected(line, "not UTF-8")
                continue
            item = parse_line(text, line, id_base)
            if item is not None:
                yield item
    except UnicodeDecodeError:
        yield Rejected(line + 1, "not UTF-8")
