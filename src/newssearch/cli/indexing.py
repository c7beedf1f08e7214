"""Index maintenance: ``optimize``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from newssearch.cli.options import fail_on, index_option, memory_option, vectors_option
from newssearch.errors import EXIT_OK, IndexingError, IndexProblem
from newssearch.index.writer import optimize
from newssearch.related import fit as related_fit


@click.command("optimize")
@index_option
@click.option("--procs", type=int, default=None, help="Worker processes (default: all cores).")
@memory_option
@vectors_option
def optimize_cmd(index_dir, procs, memory, vectors):
    """Rewrite the live index as one fresh build from its own stored articles.

    After many updates: segments merged, deleted articles gone, one set of flat postings.
    The old build serves until the new one is switched in, atomically, as a rebuild.
    Takes as long as a rebuild (no input files needed). Exit 1 when there is no index or
    another run holds the lock.
    """
    root = Path(index_dir)
    try:
        res = optimize(root, procs=procs, memory_mb=memory,
                       maintain=related_fit.maintain if vectors else None)
    except (IndexProblem, IndexingError) as e:
        fail_on(e)
    click.echo(f"index {root} optimized into build {res.build}: {res.total} articles, "
               f"{res.seconds:.1f}s")
    sys.exit(EXIT_OK)
