"""What several commands share: the path type, the ``--index``/``--memory``/
``--related-vectors`` options (their defaults from ``newssearch.settings``) and ``fail``.

Why one module: each command had its own copy of ``--index`` and of the error exit, and the
copies drifted (three spellings of the help, two of the default).
"""

from __future__ import annotations

import os
import sys
from typing import NoReturn

import click

from newssearch import settings
from newssearch.errors import EXIT_FAILED, classify


class SafePath(click.Path):
    """A ``click.Path`` that refuses a NUL character or a lone surrogate with a usage error:
    the checks ``click.Path`` makes (``os.stat``) raise a bare ValueError or
    UnicodeEncodeError on them."""

    def convert(self, value, param, ctx):
        if isinstance(value, str):
            if "\x00" in value:
                self.fail(f"{value!r} is not a valid path: it contains a NUL character.",
                          param, ctx)
            try:
                os.fsencode(value)
            except UnicodeEncodeError:
                self.fail(f"{value!r} is not a valid path: it cannot be encoded as a file "
                          "name.", param, ctx)
        return super().convert(value, param, ctx)


def fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    """One line on stderr, then exit with ``code``."""
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def fail_on(e: BaseException) -> NoReturn:
    """Exit with the message and the exit code errors.classify gives this library error."""
    fail(str(e), classify(e).exit_code)


def setting(name: str):
    """A click default read from the settings table when the command runs, so a bad value
    is the settings' own message, not a traceback at import."""
    def default():
        try:
            return settings.get(name)
        except ValueError as e:
            fail_on(e)
    return default


index_option = click.option(
    "--index", "index_dir", default=setting("INDEX_DIR"), show_default="index",
    type=SafePath(file_okay=False), help="Index directory (env NEWSSEARCH_INDEX).",
)
vectors_option = click.option(
    "--related-vectors/--no-related-vectors", "vectors", default=setting("RELATED_VECTORS"),
    show_default="on",
    help="When building an index (first run, --rebuild, optimize), fit the topic vectors "
         "that make related articles more coherent: about 15 s more on 47,000 articles. "
         "--no-related-vectors (env NEWSSEARCH_RELATED_VECTORS=0) builds without them and "
         "related articles rank by shared key terms only. Updates keep existing vectors "
         "aligned either way.",
)
memory_option = click.option(
    "--memory", type=click.IntRange(min=64), default=setting("MEMORY_MB"), show_default="1400",
    metavar="MB",
    help="Memory budget of the whole run (all processes), in MB (env NEWSSEARCH_MEMORY_MB). "
         "Less memory means smaller segments and, below about 500 MB, fewer worker "
         "processes: slower, never a failure.",
)
