"""CPU time of a rebuild of the first N shared articles (whole process tree): the figure to
compare on a shared machine, where wall time depends on the other jobs.

    python bench/cpu_build.py N PROCS OUTDIR

Prints wall and CPU seconds, CPU ms per article and the articles/s two idle cores would give.
Asserts nothing.
"""

from __future__ import annotations

import itertools
import resource
import shutil
import sys
import time
from pathlib import Path

from newssearch.index.writer import rebuild
from newssearch.ingest import IngestReport, iter_articles
from newssearch.text.analysis import warm_up

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CORPORA = ["corpus_baomoi.jsonl.gz", "corpus_dantri.jsonl.gz", "corpus_vietnews.jsonl.gz"]


def cpu() -> float:
    a, b = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


def main() -> None:
    n, procs, out = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
    paths = [str(DATA / c) for c in CORPORA]
    arts = list(itertools.islice(iter_articles(paths, IngestReport()), n))
    warm_up()
    shutil.rmtree(out, ignore_errors=True)
    c0, t0 = cpu(), time.perf_counter()
    rebuild(out, arts, procs=procs)
    c, t = cpu() - c0, time.perf_counter() - t0
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 1e6
    print(f"{n} articles: wall {t:.1f}s, CPU {c:.1f}s = {1000 * c / n:.1f} ms/article -> "
          f"{2 * n / c:.0f}/s on 2 idle cores; size {size:.1f} MB")


if __name__ == "__main__":
    main()
