"""JSON output that is safe to mis-sniff or paste into a page."""

from __future__ import annotations

import json
from typing import Any

from flask.json.provider import DefaultJSONProvider


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
