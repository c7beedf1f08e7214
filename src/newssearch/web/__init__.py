"""Flask app factory: the search page and the JSON API, over one shared ``SearchEngine``.

Config keys: ``INDEX_DIR`` (default: env ``NEWSSEARCH_INDEX`` or ``index``), ``PER_PAGE``
(results per page on the search page, default 10).
"""

from __future__ import annotations

import json
import os
from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from ..search import SearchEngine


class SafeJSONProvider(DefaultJSONProvider):
    """UTF-8 JSON in which ``<``, ``>`` and ``&`` never appear literally.

    They are written as ``\\u003c``-style escapes (valid JSON, same values), so a response
    that a browser mis-sniffs or that is pasted into a page cannot open a ``<script>``.
    """

    ensure_ascii = False
    sort_keys = False

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        kwargs.setdefault("default", self.default)
        kwargs.setdefault("ensure_ascii", self.ensure_ascii)
        kwargs.setdefault("sort_keys", self.sort_keys)
        text = json.dumps(obj, **kwargs)
        # Outside strings JSON has none of these characters, so replacing them is safe.
        return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
                .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.json = SafeJSONProvider(app)
    app.config.update(
        INDEX_DIR=os.environ.get("NEWSSEARCH_INDEX", "index"),
        PER_PAGE=10,
    )
    if config:
        app.config.update(config)
    app.extensions["newssearch"] = SearchEngine(app.config["INDEX_DIR"])
    from . import api, pages

    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp, url_prefix=api.PREFIX)
    api.install(app)

    @app.after_request
    def _security_headers(resp):
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        if resp.mimetype == "text/html":
            resp.headers.setdefault(
                "Content-Security-Policy",
                "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                "base-uri 'none'; frame-ancestors 'none'",
            )
        return resp

    return app


def engine() -> SearchEngine:
    from flask import current_app

    return current_app.extensions["newssearch"]
