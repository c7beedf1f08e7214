"""A value built once per holder, under its own lock."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

V = TypeVar("V")


class Once(Generic[V]):
    """Builds a value once, under its own lock (not the snapshot's: a build can take seconds
    and read through the snapshot). The value may be None: that is built once too."""

    def __init__(self):
        self.lock = threading.Lock()
        self.done = False
        self.value: V | None = None

    def get(self, make: Callable[[], V]) -> V:
        if not self.done:
            with self.lock:
                if not self.done:
                    self.value = make()
                    self.done = True
        return self.value  # type: ignore[return-value]
