"""Every exception the library raises on purpose, and one table from each to what a client
sees: HTTP status, API error code, CLI exit code.

Why one module: the API, the pages and the CLI all ask :func:`classify`, so a new error is
taught once, here, beside its definition; and a module low in the layering can raise an error
that the web layer knows how to show without either importing the other. This module imports
nothing of the package.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_SKIPPED = 0, 1, 2, 3


class IndexProblem(Exception):
    """Base for index problems a user can act on; the message says what to do."""


class NoIndexError(IndexProblem):
    pass


class RebuildNeededError(IndexProblem):
    pass


class IndexLockedError(IndexProblem):
    pass


class IndexUnreadableError(IndexProblem):
    """The index's files cannot be read (permissions, damage); the message names the path."""


class IndexWriteError(IndexProblem):
    """Writing failed (disk full, permissions); the message names the path."""


class ManifestError(IndexProblem):
    """A build has no usable MANIFEST (never finished, or written by an older version)."""


class PublishError(IndexProblem):
    """The copy did not match its manifest (or could not be made); the replica is unchanged."""


class IndexingError(Exception):
    """A worker process failed; the message carries its traceback."""


class QueryError(ValueError):
    """A query we refuse, with a message meant for the reader."""


class ParamError(QueryError):
    """A bad parameter: ``param`` (its name), ``problem`` (too_long, whole, range, number,
    flag, choice, date, query), the bounds or choices it breaks and the value sent."""

    def __init__(self, message: str, param: str, problem: str, *, lo: float | None = None,
                 hi: float | None = None, choices: Sequence[str] = (), value: str = ""):
        super().__init__(message)
        self.param = param
        self.problem = problem
        self.lo, self.hi = lo, hi
        self.choices = tuple(choices)
        self.value = value[:40]


class SettingError(ValueError):
    """A setting's environment variable holds a value it cannot take; the message names it."""


class PageError(ValueError):
    """The input is not an ingestible page; ``reason`` is the short, groupable skip reason."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ErrorKind:
    status: int  # HTTP status
    code: str  # stable machine-readable code for the API's error shape
    exit_code: int  # CLI exit status


# Most specific first: the first class an exception is an instance of decides.
KINDS: tuple[tuple[type[BaseException], ErrorKind], ...] = (
    (ParamError, ErrorKind(400, "bad_request", EXIT_USAGE)),
    (QueryError, ErrorKind(400, "bad_request", EXIT_USAGE)),
    (PageError, ErrorKind(422, "bad_input", EXIT_SKIPPED)),
    (SettingError, ErrorKind(500, "bad_setting", EXIT_USAGE)),
    (NoIndexError, ErrorKind(503, "no_index", EXIT_FAILED)),
    (RebuildNeededError, ErrorKind(503, "rebuild_needed", EXIT_FAILED)),
    (IndexLockedError, ErrorKind(503, "index_locked", EXIT_FAILED)),
    (IndexUnreadableError, ErrorKind(503, "index_unavailable", EXIT_FAILED)),
    (IndexWriteError, ErrorKind(503, "index_unavailable", EXIT_FAILED)),
    (ManifestError, ErrorKind(503, "index_unavailable", EXIT_FAILED)),
    (PublishError, ErrorKind(503, "index_unavailable", EXIT_FAILED)),
    (IndexProblem, ErrorKind(503, "index_unavailable", EXIT_FAILED)),
    (IndexingError, ErrorKind(500, "indexing_failed", EXIT_FAILED)),
)
INTERNAL = ErrorKind(500, "internal", EXIT_FAILED)


def classify(exc: BaseException) -> ErrorKind:
    """The kind of a library exception; anything unknown is an internal error."""
    for cls, kind in KINDS:
        if isinstance(exc, cls):
            return kind
    return INTERNAL
