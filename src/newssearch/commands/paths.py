"""Path parameters for the CLI."""

from __future__ import annotations

import click


class SafePath(click.Path):
    """A ``click.Path`` that refuses a NUL character with a usage error: the checks
    ``click.Path`` makes (``os.stat``) raise a bare ValueError on one."""

    def convert(self, value, param, ctx):
        if isinstance(value, str) and "\x00" in value:
            self.fail(f"{value!r} is not a valid path: it contains a NUL character.", param, ctx)
        return super().convert(value, param, ctx)
