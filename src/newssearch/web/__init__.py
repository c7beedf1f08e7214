"""Flask app factory: pages, article pages and the JSON API over one shared ``SearchEngine``.

``create_app(config=None)``: settings from ``config`` over the environment over defaults (see
``newssearch.settings``). With ``WARM`` on (the default) the index, the analyzer model and the engine's
caches are loaded here, before the first request.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from newssearch import settings
from newssearch.search import SearchEngine
from newssearch.web import errorpages, fmt, limits, links, searching
from newssearch.web.jsonio import SafeJSONProvider
from newssearch.web.searching import engine
from newssearch.web.warm import warm, warm_generation

__all__ = ["create_app", "engine"]


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.json = SafeJSONProvider(app)
    app.config.update(settings.load(config))
    app.extensions["newssearch"] = SearchEngine(app.config["INDEX_DIR"], warm=warm_generation)
    from newssearch.web import api, api_related, article, pages, tagpage, widget

    # One way: each view module has a ``bp`` (and a ``PREFIX`` when it lives under one).
    for views in (pages, article, tagpage, api, api_related, widget):
        app.register_blueprint(views.bp, url_prefix=getattr(views, "PREFIX", None))
    widget.install(app)  # the article page's related box
    errorpages.install(app)
    limits.install(app)  # rate limits, body size cap, security headers
    api.install(app)
    searching.install(app)  # X-Result-Cache
    fmt.install(app)
    app.jinja_env.globals["links"] = links

    if app.config["WARM"]:
        warm(app.extensions["newssearch"])
    return app
