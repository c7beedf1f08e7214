"""Flask app factory: the search page, the JSON API, and (later) the related-news widget."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from ..search import SearchEngine


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(
        INDEX_DIR=os.environ.get("NEWSSEARCH_INDEX", "index"),
        PER_PAGE=10,
        JSON_AS_ASCII=False,
    )
    if config:
        app.config.update(config)
    app.extensions["newssearch"] = SearchEngine(app.config["INDEX_DIR"])
    from . import api, pages

    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp, url_prefix="/api")
    return app


def engine() -> SearchEngine:
    from flask import current_app

    return current_app.extensions["newssearch"]
