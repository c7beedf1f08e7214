"""Peak memory of a process tree, sampled: what "peak RSS of the whole rebuild" means here.

The sum of the resident sizes of this process and all its descendants, every 0.1 s. Pages
shared between them (the interpreter, pyvi's model inherited over fork) count once per
process, so the figure is an upper bound of the real footprint.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Self


def _tree_rss_kb(root: int) -> int:
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page_kb = os.sysconf("SC_PAGE_SIZE") // 1024
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            stat = (p / "stat").read_text()
            statm = (p / "statm").read_text().split()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        pid = int(p.name)
        children.setdefault(ppid, []).append(pid)
        rss[pid] = int(statm[1]) * page_kb
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total


class TreePeak:
    """Context manager sampling the peak summed RSS (MB) of this process tree."""

    def __init__(self, interval: float = 0.1):
        self.interval = interval
        self.peak_mb = 0.0
        self._stop = threading.Event()

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.wait(self.interval):
            self.peak_mb = max(self.peak_mb, _tree_rss_kb(me) / 1024)

    def __enter__(self) -> Self:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
