"""Every setting of the package in one table: name, environment variable, default, type, help.

Why one table: the web app, the gunicorn config, the CLI and the library read their settings
the same way (:func:`get` or :func:`load`), a bad value is refused with one clear message
naming the variable (:class:`~newssearch.errors.SettingError`), and docs/settings.md lists
every row (``tests/test_settings.py`` checks that it does). This is the only module that reads
the environment. It imports nothing of the package but ``errors``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from newssearch.errors import SettingError

TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off")


@dataclass(frozen=True)
class Setting:
    name: str  # the key in app.config and in load()'s result
    env: str  # the environment variable that sets it
    default: Any
    type: type  # bool, int, float or str
    help: str
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    empty: bool = False  # an empty value means "none", not "the default"

    def parse(self, raw: str) -> Any:
        """The value of ``raw`` as this setting's type, or SettingError saying what is wrong."""
        text = raw.strip()
        if self.type is bool:
            if text.lower() in TRUE:
                return True
            if text.lower() in FALSE:
                return False
            raise SettingError(f"{self.env} must be 1 or 0 (on or off), not {raw!r}")
        if self.type is int:
            try:
                value = int(text)
            except ValueError:
                raise SettingError(f"{self.env} must be a whole number, not {raw!r}") from None
            if self.minimum is not None and value < self.minimum:
                raise SettingError(f"{self.env} must be at least {self.minimum}, not {value}")
            return value
        if self.choices and text not in self.choices:
            raise SettingError(f"{self.env} must be one of {', '.join(self.choices)}, "
                               f"not {raw!r}")
        return raw


SETTINGS: tuple[Setting, ...] = (
    # -- the index ---------------------------------------------------------------------------
    Setting("INDEX_DIR", "NEWSSEARCH_INDEX", "index", str,
            "Index root: builds/ and CURRENT live here."),
    Setting("MEMORY_MB", "NEWSSEARCH_MEMORY_MB", 1400, int,
            "Memory budget of an indexing run (all processes), in MB. Less means smaller "
            "segments and, below about 500 MB, fewer worker processes: slower, never a "
            "failure.", minimum=64),
    Setting("RELATED_VECTORS", "NEWSSEARCH_RELATED_VECTORS", True, bool,
            "Fit the related-article topic vectors when a build is made (first run, "
            "--rebuild, optimize)."),
    # -- the web app -------------------------------------------------------------------------
    Setting("PER_PAGE", "NEWSSEARCH_PER_PAGE", 10, int,
            "Results per page on the search page.", minimum=1),
    Setting("WARM", "NEWSSEARCH_WARM", True, bool,
            "Load the index, the analyzer model and the caches when the app is created, "
            "before the first request."),
    Setting("MAX_URL_CHARS", "NEWSSEARCH_MAX_URL_CHARS", 4096, int,
            "Longer request targets are answered 414.", minimum=256),
    Setting("LATEST", "NEWSSEARCH_LATEST", 8, int,
            "Latest articles listed on the home page.", minimum=0),
    Setting("RATE_LIMIT_ENABLED", "NEWSSEARCH_RATE_LIMIT_ENABLED", True, bool,
            "Rate-limit /api and /widget per client."),
    Setting("RATE_LIMIT", "NEWSSEARCH_RATE_LIMIT", "20/second;600/minute", str,
            "Limits per client, in Flask-Limiter's notation."),
    Setting("RATE_LIMIT_STORAGE", "NEWSSEARCH_RATE_LIMIT_STORAGE", "memory://", str,
            "Where the counts live: memory:// (per worker) or redis://host:6379 (shared)."),
    Setting("RATE_LIMIT_STORE_DOWN", "NEWSSEARCH_RATE_LIMIT_STORE_DOWN", "memory", str,
            "When the shared store is down: count per worker (memory) or limit nothing "
            "(open).", choices=("memory", "open")),
    Setting("TRUSTED_PROXIES", "NEWSSEARCH_TRUSTED_PROXIES", 0, int,
            "Proxies in front whose X-Forwarded-For counts for the client address.",
            minimum=0),
    Setting("RESULT_CACHE", "NEWSSEARCH_RESULT_CACHE", True, bool,
            "Keep recent search results per index generation (answers carry X-Result-Cache: HIT "
            "or MISS); 0 computes every search."),
    Setting("RESULT_CACHE_MB", "NEWSSEARCH_RESULT_CACHE_MB", 16, int,
            "Approximate memory of the result cache per worker process, in MB; when full it "
            "is emptied and refills.", minimum=1),
    Setting("MAX_CONTENT_LENGTH", "NEWSSEARCH_MAX_BODY_BYTES", 1 << 20, int,
            "Bigger request bodies are answered 413.", minimum=1024),
    # -- the server (gunicorn) ---------------------------------------------------------------
    Setting("BIND", "NEWSSEARCH_BIND", "127.0.0.1:5000", str,
            "Address gunicorn listens on (newssearch serve --host/--port win)."),
    Setting("WORKERS", "NEWSSEARCH_WORKERS", 0, int,
            "gunicorn worker processes; 0: one per core plus one.", minimum=0),
    Setting("THREADS", "NEWSSEARCH_THREADS", 2, int,
            "Request threads per worker process (searches are CPU-bound: more only helps "
            "while one thread writes an answer).", minimum=1),
    Setting("KEEPALIVE", "NEWSSEARCH_KEEPALIVE", 5, int,
            "Seconds an idle kept-alive connection stays open; 0 closes after each answer.",
            minimum=0),
    Setting("HEADER_TIMEOUT", "NEWSSEARCH_HEADER_TIMEOUT", 10, int,
            "Seconds a connection has to send its request line and headers (it is closed "
            "after that, with a 408 when it sent part of them); also the limit of each read "
            "of a body and each write of an answer.", minimum=1),
    Setting("MAX_CONNECTIONS", "NEWSSEARCH_MAX_CONNECTIONS", 200, int,
            "Open connections per worker process; past them a new one is answered 503 "
            "(busy) and closed.", minimum=2),
    Setting("TIMEOUT", "NEWSSEARCH_TIMEOUT", 30, int,
            "Seconds a worker process may stay silent (its event loop stuck) before the "
            "master restarts it.", minimum=1),
    Setting("ACCESS_LOG", "NEWSSEARCH_ACCESS_LOG", "-", str,
            "Access log file; - for stderr, empty for none.", empty=True),
    Setting("LOG_LEVEL", "NEWSSEARCH_LOG_LEVEL", "info", str,
            "gunicorn's and the library's log level.",
            choices=("debug", "info", "warning", "error", "critical")),
)
BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str, environ: Mapping[str, str] | None = None) -> Any:
    """One setting: its environment variable when set and not empty, else its default."""
    s = BY_NAME[name]
    raw = (os.environ if environ is None else environ).get(s.env)
    return s.default if raw is None or (raw == "" and not s.empty) else s.parse(raw)


def load(overrides: Mapping[str, Any] | None = None,
         environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Every setting: ``overrides`` win over the environment, which wins over defaults."""
    out = {s.name: get(s.name, environ) for s in SETTINGS}
    out.update(overrides or {})
    return out


def export(name: str, value: Any) -> None:
    """Set a setting for child processes (``newssearch serve`` hands the index to gunicorn)."""
    os.environ[BY_NAME[name].env] = str(value)
