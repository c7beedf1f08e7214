"""Flask app factory: pages, article pages and the JSON API over one shared ``SearchEngine``.

``create_app(config=None)``: settings from ``config`` over the environment over defaults (see
``web.config``). With ``WARM`` on (the default) the index, the analyzer model and the engine's
caches are loaded here, before the first request.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from ..search import SearchEngine
from . import config as app_config
from . import errorpages, fmt, limits, links
from .jsonio import SafeJSONProvider
from .searching import engine
from .warm import warm, warm_generation

__all__ = ["create_app", "engine"]


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.json = SafeJSONProvider(app)
    app.config.update(app_config.load(config))
    app.extensions["newssearch"] = SearchEngine(app.config["INDEX_DIR"], warm=warm_generation)
    from . import api, api_related, article, pages, widget  # noqa: F401 - api_related: routes

    app.register_blueprint(pages.bp)
    app.register_blueprint(article.bp)
    app.register_blueprint(api.bp, url_prefix=api.PREFIX)
    widget.install(app)  # /widget.js, /widget/..., the article page's related box
    errorpages.install(app)
    limits.install(app)  # rate limits, body size cap, security headers
    api.install(app)
    fmt.install(app)
    app.jinja_env.globals["links"] = links

    if app.config["WARM"]:
        warm(app.extensions["newssearch"])
    return app
