"""Turn input paths (files, directories, ``-`` for stdin) into Articles, never raising on bad
input: every input that yields nothing is recorded as a :class:`Skip` so the CLI can say what
was left out and exit with status 3 instead of silently indexing less (docs/ingest.md).
"""

from __future__ import annotations

import os
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TextIO

from newssearch.errors import PageError
from newssearch.ingest.jsonl import Parsed, Rejected, read_jsonl, read_jsonl_text
from newssearch.ingest.rawpage import read_page
from newssearch.model import Article

__all__ = ["STDIN_NAME", "IngestReport", "Skip", "iter_articles"]

STDIN_NAME = "<stdin>"
PAGE_SUFFIXES = (".txt",)
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".json.gz", ".ndjson", ".ndjson.gz")
# A trailing detail that varies per input: 'quoted', "quoted", (parenthesised) or ": text".
_DETAIL = re.compile(r"""\s*(?:'[^']*'|"[^"]*"|\([^)]*\)|:\s.*)$""")


@dataclass
class Skip:
    """One input that was not ingested: a file, or one line of a JSON Lines file."""

    path: str
    line: int | None
    reason: str

    @property
    def location(self) -> str:
        return self.path if self.line is None else f"{self.path}:{self.line}"

    @property
    def group(self) -> str:
        """Reason without its per-input detail, so e.g. all unparseable dates count together.

        The detail is dropped only if at least two words remain ("missing 'title'" and
        "missing 'body'" stay apart).
        """
        head = _DETAIL.sub("", self.reason)
        return head if len(head.split()) >= 2 else self.reason

    def __str__(self) -> str:
        return f"{self.location}: {self.reason}"


@dataclass
class IngestReport:
    """Running totals of one ingest; filled in while :func:`iter_articles` is consumed."""

    ingested: int = 0
    skipped: list[Skip] = field(default_factory=list)

    def summary_lines(self) -> list[str]:
        """Totals, then one line per reason group (most frequent first) with a first example."""
        lines = [f"ingested {self.ingested}, skipped {len(self.skipped)}"]
        counts = Counter(s.group for s in self.skipped)
        first: dict[str, Skip] = {}
        for s in self.skipped:
            first.setdefault(s.group, s)
        for group, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"  {group}: {n} (first: {first[group].location})")
        return lines


def _kind(name: str) -> str | None:
    """'page', 'jsonl' or None (ignored) from a file name, as used when walking directories."""
    lower = name.lower()
    if lower.endswith(PAGE_SUFFIXES):
        return "page"
    if lower.endswith(JSONL_SUFFIXES):
        return "jsonl"
    return None


def _sniff(path: str) -> str:
    """Kind of a file named directly whose extension says nothing: JSON Lines if it starts with
    '{' or is gzip, else a raw page (which reports binaries and non-pages itself)."""
    with open(path, "rb") as f:
        head = f.read(4096)
    if head.startswith(b"\x1f\x8b") or head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return "jsonl"
    return "page"


def _walk(root: str) -> list[str]:
    """Ingestible files under ``root`` relative to it (POSIX separators), in sorted order.

    Hidden files and directories (``.git``...) are left out.
    """
    found: list[tuple[str, ...]] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        rel_dir = os.path.relpath(dirpath, root)
        parts = () if rel_dir == "." else tuple(rel_dir.split(os.sep))
        found += [parts + (n,) for n in filenames if not n.startswith(".") and _kind(n)]
    return ["/".join(p) for p in sorted(found)]


def _read_file(path: str, kind: str, id_base: str) -> Iterator[Parsed | Rejected]:
    if kind == "jsonl":
        yield from read_jsonl(path, id_base)
        return
    try:
        yield Parsed(None, read_page(path, id_base))
    except PageError as e:
        yield Rejected(None, e.reason)


def iter_articles(
    paths: Sequence[str],
    report: IngestReport,
    stdin: TextIO | None = None,
    on_skip: Callable[[Skip], None] | None = None,
) -> Iterator[Article]:
    """Yield the articles of ``paths`` in order, recording skips in ``report`` (and ``on_skip``).

    A path is a file, a directory (walked recursively: ``.txt`` raw pages, ``.jsonl``,
    ``.jsonl.gz``, ``.json.gz``, ``.ndjson[.gz]`` JSON Lines; other files ignored) or ``-``
    for JSON Lines on ``stdin`` (default ``sys.stdin``). An id repeated across inputs is
    skipped: indexing it twice would silently replace the first article.
    """
    seen: set[str] = set()

    def skip(path: str, line: int | None, reason: str) -> None:
        s = Skip(path, line, reason)
        report.skipped.append(s)
        if on_skip is not None:
            on_skip(s)

    def consume(display: str, items: Iterator[Parsed | Rejected]) -> Iterator[Article]:
        try:
            for item in items:
                if isinstance(item, Rejected):
                    skip(display, item.line, item.reason)
                elif item.article.id in seen:
                    skip(display, item.line, f"duplicate id {item.article.id!r}")
                else:
                    seen.add(item.article.id)
                    report.ingested += 1
                    yield item.article
        except OSError as e:
            skip(display, None, f"cannot read ({e.strerror or type(e).__name__})")
        except Exception as e:  # noqa: BLE001 - a parser bug must not abort a whole ingest
            skip(display, None, f"unexpected error ({type(e).__name__}: {e})")

    for path in paths:
        if path == "-":
            yield from consume(STDIN_NAME, read_jsonl_text(stdin or sys.stdin, STDIN_NAME))
        elif os.path.isdir(path):
            for rel in _walk(path):
                full = os.path.join(path, rel)
                yield from consume(full, _read_file(full, _kind(rel) or "page", rel))
        elif os.path.isfile(path):
            try:
                kind = _kind(path) or _sniff(path)
            except OSError as e:
                skip(path, None, f"cannot read ({e.strerror or type(e).__name__})")
                continue
            yield from consume(path, _read_file(path, kind, path))
        elif os.path.exists(path):
            skip(path, None, "not a regular file")
        else:
            skip(path, None, "no such file")
