"""The one bounded cache type of the search package.

Why so simple: every cache here holds values of one index generation, which is dropped as a
whole when the generation is replaced, and the working set of a news search is small. When a
cache exceeds its budget it is emptied and refills from the next requests: no bookkeeping on
the hot path, and memory stays bounded whatever the traffic.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")
_MISSING = object()


class BoundedCache(Generic[V]):
    """A thread-safe dict with a budget: ``weigh(value)`` units in all (1 per entry by default)."""

    def __init__(self, budget: int, weigh: Callable[[V], int] | None = None):
        self.budget = budget
        self._weigh = weigh or (lambda _v: 1)
        self._data: dict[Hashable, V] = {}
        self._used = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable, default=_MISSING):
        """The cached value, or ``default`` (KeyError when none is given)."""
        try:
            return self._data[key]
        except KeyError:
            if default is _MISSING:
                raise
            return default

    def __contains__(self, key: Hashable) -> bool:
        return key in self._data

    def __len__(self) -> int:
        return len(self._data)

    def put(self, key: Hashable, value: V) -> V:
        w = max(1, self._weigh(value))
        with self._lock:
            if self._used + w > self.budget:
                self._data.clear()
                self._used = 0
            self._data[key] = value
            self._used += w
        return value

    def get_or_make(self, key: Hashable, make: Callable[[], V]) -> V:
        """The cached value, made (outside the lock) and stored when missing."""
        try:
            return self._data[key]
        except KeyError:
            return self.put(key, make())
