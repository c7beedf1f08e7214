"""gunicorn settings for ``newssearch serve`` (``gunicorn -c python:newssearch.web.gunicorn_conf``).

The settings ``BIND``, ``WORKERS``, ``THREADS``, ``KEEPALIVE``, ``HEADER_TIMEOUT``,
``MAX_CONNECTIONS``, ``TIMEOUT``, ``ACCESS_LOG`` and ``LOG_LEVEL`` come from
``newssearch.settings`` (environment ``NEWSSEARCH_*``, see docs/settings.md); the gunicorn
command line wins over them.

- the worker: ``newssearch.web.worker.GuardedWorker``, gunicorn's threaded worker with the
  request head read by its event loop, so idle and slow clients hold no thread (a sync worker
  was stalled 30 s by four idle connections: issue 21); past ``MAX_CONNECTIONS`` open
  connections a worker answers 503. Measured against sync in docs/benchmarks.md (and why
  not gunicorn's own gthread: its pool threads read the head, without a timeout).

- ``preload_app``: the app (index snapshot, analyzer model, caches) is loaded once in the
  master and shared copy-on-write by the forked workers: a worker is warm when it starts.
- workers: one per core plus one (search is CPU-bound Python; more only adds memory).
- SIGHUP: gunicorn starts new workers from a re-loaded app and stops the old ones gracefully
  (``graceful_timeout``), so a reload drops no request.
- the request line may be up to 8190 bytes, so the app itself answers too-long URLs with its
  own 414 (JSON under /api) from ``MAX_URL_CHARS`` (4096) on.
"""

from __future__ import annotations

import gc
import logging
import os

from newssearch import settings

bind = settings.get("BIND")
workers = settings.get("WORKERS") or (os.cpu_count() or 1) + 1
worker_class = "newssearch.web.worker.GuardedWorker"
threads = settings.get("THREADS")
worker_connections = settings.get("MAX_CONNECTIONS")
preload_app = True
timeout = settings.get("TIMEOUT")
graceful_timeout = 20
keepalive = settings.get("KEEPALIVE")
max_requests = 0  # a restarted worker would lose the pages it shares with the master
limit_request_line = 8190
limit_request_fields = 100
accesslog = settings.get("ACCESS_LOG") or None
errorlog = "-"
loglevel = settings.get("LOG_LEVEL")
# Client, time, request, status, bytes, microseconds, index version, result cache, user agent.
access_log_format = ('%(h)s %(t)s "%(r)s" %(s)s %(B)s %(D)sus '
                     'v=%({x-index-version}o)s rc=%({x-result-cache}o)s "%(a)s"')
proc_name = "newssearch"


def on_starting(server) -> None:
    """The library's own log lines (an index swap, its warm time, a generation kept because
    the new one cannot open) go to gunicorn's error log; without a handler they were lost."""
    from flask.logging import default_handler

    lib = logging.getLogger("newssearch")
    for handler in server.log.error_log.handlers:
        lib.addHandler(handler)
    lib.setLevel(logging.INFO)
    lib.propagate = False
    # Flask gave the app's logger (newssearch.web) its own stderr handler: one line each.
    logging.getLogger("newssearch.web").removeHandler(default_handler)


def when_ready(server) -> None:
    """Before the first fork: move everything the preloaded app made out of the garbage
    collector's reach, so collections in the workers do not write to (and so un-share) the
    pages they inherited."""
    gc.freeze()


def post_worker_init(worker) -> None:
    """Each worker warms a new index generation in the background after a swap."""
    from newssearch.web.warm import Refresher

    Refresher(worker.wsgi.extensions["newssearch"]).start()
