"""Index maintenance commands: ``optimize``, and the ``--memory`` option writers share."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .. import related_fit
from ..bulk import DEFAULT_MEMORY_MB
from ..errors import EXIT_OK, classify
from ..indexer import optimize
from ..store import IndexProblem
from .paths import SafePath

vectors_option = click.option(
    "--related-vectors/--no-related-vectors", "vectors", default=True, show_default=True,
    envvar="NEWSSEARCH_RELATED_VECTORS",
    help="When building an index (first run, --rebuild, optimize), fit the topic vectors "
         "that make related articles more coherent: about 15 s more on 47,000 articles. "
         "--no-related-vectors (env NEWSSEARCH_RELATED_VECTORS=0) builds without them and "
         "related articles rank by shared key terms only. Updates keep existing vectors "
         "aligned either way.",
)

memory_option = click.option(
    "--memory", type=click.IntRange(min=64), default=DEFAULT_MEMORY_MB, show_default=True,
    envvar="NEWSSEARCH_MEMORY_MB", metavar="MB",
    help="Memory budget of the whole run (all processes), in MB (env NEWSSEARCH_MEMORY_MB). "
         "Less memory means smaller segments and, below about 500 MB, fewer worker "
         "processes: slower, never a failure.",
)


@click.command("optimize")
@click.option("--index", "index_dir", default=None, type=SafePath(file_okay=False),
              help="Index directory (default: env NEWSSEARCH_INDEX, else index).")
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
    import os

    root = Path(index_dir or os.environ.get("NEWSSEARCH_INDEX", "index"))
    try:
        res = optimize(root, procs=procs, memory_mb=memory,
                       maintain=related_fit.maintain if vectors else None)
    except IndexProblem as e:
        kind = classify(e)
        click.echo(f"error: {e}", err=True)
        sys.exit(kind.exit_code)
    click.echo(f"index {root} optimized into build {res.build}: {res.total} articles, "
               f"{res.seconds:.1f}s")
    sys.exit(EXIT_OK)
