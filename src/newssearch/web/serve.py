"""How ``newssearch serve`` runs the app: gunicorn with the package's config for production,
Flask's reloading development server with ``--dev``."""

from __future__ import annotations

import os
import sys

from newssearch import settings

APP = "newssearch.web:create_app()"
CONFIG = "python:newssearch.web.gunicorn_conf"


def gunicorn_argv(host: str, port: int, workers: int | None) -> list[str]:
    argv = [sys.executable, "-m", "gunicorn", "-c", CONFIG, "--bind", f"{host}:{port}"]
    if workers:
        argv += ["--workers", str(workers)]
    return [*argv, APP]


def serve(index_dir: str, host: str, port: int, workers: int | None = None,
          dev: bool = False) -> None:
    """Replace this process with the server (never returns)."""
    settings.export("INDEX_DIR", index_dir)
    if dev:
        from newssearch.web import create_app

        create_app().run(host=host, port=port, debug=True, use_reloader=True)
        sys.exit(0)
    argv = gunicorn_argv(host, port, workers)
    os.execv(argv[0], argv)
