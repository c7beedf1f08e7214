"""Per-client rate limits, request size caps and security headers for every response.

Why here, in one place: the API and the embeddable widget are public attack surface, and a
limit or a header that each blueprint sets for itself is one that a new route forgets.

Settings (``RATE_LIMIT*``, ``TRUSTED_PROXIES``, ``MAX_CONTENT_LENGTH``) come from
``newssearch.settings`` through ``app.config``; docs/settings.md lists them.

``memory://`` counts per worker process (each gunicorn worker has its own counters); a shared
store (``redis://host:6379``, ``pip install 'newssearch[redis]'``) makes the limit per client
across workers and replicas. When that store is down or hangs, requests are still answered: with
``memory`` each worker counts on its own until the store answers again (one warning in the error
log at the switch; the store is probed again after 1, 2, 4 ... 32 s), which is never stricter than
the shared count; with ``open`` nothing is limited and every request retries the store and logs
the failure. Redis connects and answers within ``STORE_TIMEOUT`` seconds or counts as down (a
``?socket_timeout=...&socket_connect_timeout=...`` in the URL overrides it).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, Response, request
from flask_limiter import Limiter, RateLimitExceeded
from limits.errors import ConfigurationError
from werkzeug.middleware.proxy_fix import ProxyFix

from newssearch.errors import SettingError
from newssearch.web.errorpages import api_error, error_page, is_api

STORE_DOWN = ("memory", "open")
# redis-py waits forever by default: a hung store would hang every limited request.
STORE_TIMEOUT = 0.5
LIMITED_PREFIXES = ("/api/", "/widget/")
UNLIMITED = ("/api/health",)  # load balancers and monitors poll it
# Routes other sites may frame (the related-articles iframe); everything else refuses.
FRAMABLE_PREFIXES = ("/widget/related/",)

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors {frame}")
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
                          "interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _exempt() -> bool:
    path = request.path
    return not path.startswith(LIMITED_PREFIXES) or path in UNLIMITED


def _rate_limited(e: RateLimitExceeded) -> Response:
    message = f"Too many requests ({e.description}); wait a moment and try again."
    resp = api_error(429, "rate_limited", message) if is_api() else error_page(429)
    # Flask-Limiter adds Retry-After when its headers are on; never leave a 429 without it.
    resp.headers.setdefault("Retry-After", "1")
    return resp


def security_headers(resp: Response) -> Response:
    for name, value in HEADERS.items():
        resp.headers.setdefault(name, value)
    frame = "*" if request.path.startswith(FRAMABLE_PREFIXES) else "'none'"
    csp = resp.headers.get("Content-Security-Policy")
    if csp:  # a view's own policy keeps its sources; who may frame it is decided here
        csp = re.sub(r";?\s*frame-ancestors[^;]*", "", csp).strip().rstrip(";")
        resp.headers["Content-Security-Policy"] = f"{csp}; frame-ancestors {frame}"
    else:
        resp.headers["Content-Security-Policy"] = CSP.format(frame=frame)
    if frame == "'none'":
        resp.headers.setdefault("X-Frame-Options", "DENY")
    return resp


def _store_options(uri: str) -> dict[str, Any]:
    if uri.split(":", 1)[0].startswith("redis"):  # redis, rediss, redis+unix, +sentinel, ...
        return {"socket_connect_timeout": STORE_TIMEOUT, "socket_timeout": STORE_TIMEOUT}
    return {}


def _limiter(app: Flask) -> Limiter:
    store_down = app.config["RATE_LIMIT_STORE_DOWN"]
    if store_down not in STORE_DOWN:
        raise SettingError(f"RATE_LIMIT_STORE_DOWN must be one of {', '.join(STORE_DOWN)}, "
                           f"not {store_down!r}")
    uri = app.config["RATE_LIMIT_STORAGE"]
    try:
        return Limiter(
            key_func=lambda: request.remote_addr or "unknown",
            app=app,
            default_limits=[app.config["RATE_LIMIT"]],
            default_limits_exempt_when=_exempt,
            storage_uri=uri,
            storage_options=_store_options(uri),
            headers_enabled=True,
            swallow_errors=True,  # a store that is down must not turn requests into 500s
            in_memory_fallback_enabled=store_down == "memory",
            enabled=app.config["RATE_LIMIT_ENABLED"],
        )
    except ConfigurationError as e:  # the URL may hold a password: name its scheme only
        shown = uri.split(":", 1)[0] + "://..."
        reason = str(e).replace(uri, shown)
        raise SettingError(f"RATE_LIMIT_STORAGE {shown} cannot be used ({reason}); a redis:// "
                         "store needs pip install 'newssearch[redis]'") from None


def install(app: Flask) -> Limiter:
    """Rate limits on /api and /widget, body size cap, security headers on every response."""
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies)  # type: ignore[method-assign]
    limiter = _limiter(app)
    # flask-limiter's own logger has only a NullHandler, so "storage unreachable" would be lost
    # under gunicorn; the app's logger reaches the error log.
    limiter.logger = app.logger.getChild("ratelimit")
    app.register_error_handler(RateLimitExceeded, _rate_limited)
    app.after_request(security_headers)
    return limiter
