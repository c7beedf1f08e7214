"""One mapping from library errors to what a client sees: HTTP status, error code, exit code.

The API, the pages and the CLI all ask :func:`classify`, so a new error type is taught once.
"""

from __future__ import annotations

from dataclasses import dataclass

from .querylang import QueryError
from .store import IndexLockedError, IndexProblem, NoIndexError, RebuildNeededError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_SKIPPED = 0, 1, 2, 3


@dataclass(frozen=True)
class ErrorKind:
    status: int  # HTTP status
    code: str  # stable machine-readable code for the API's error shape
    exit_code: int  # CLI exit status


_KINDS: tuple[tuple[type[BaseException], ErrorKind], ...] = (
    (QueryError, ErrorKind(400, "bad_request", EXIT_USAGE)),
    (NoIndexError, ErrorKind(503, "no_index", EXIT_FAILED)),
    (RebuildNeededError, ErrorKind(503, "rebuild_needed", EXIT_FAILED)),
    (IndexLockedError, ErrorKind(503, "index_locked", EXIT_FAILED)),
    (IndexProblem, ErrorKind(503, "index_unavailable", EXIT_FAILED)),
)
INTERNAL = ErrorKind(500, "internal", EXIT_FAILED)


def classify(exc: BaseException) -> ErrorKind:
    """The kind of a library exception; anything unknown is an internal error."""
    for cls, kind in _KINDS:
        if isinstance(exc, cls):
            return kind
    return INTERNAL
