"""The app's settings: defaults, overridden by the environment, overridden by an argument.

| key | env | default | what |
| --- | --- | --- | --- |
| ``INDEX_DIR`` | ``NEWSSEARCH_INDEX`` | ``index`` | index root |
| ``PER_PAGE`` | ``NEWSSEARCH_PER_PAGE`` | 10 | results per page on the search page |
| ``WARM`` | ``NEWSSEARCH_WARM`` | on | load the index and caches in ``create_app`` |
| ``MAX_URL_CHARS`` | ``NEWSSEARCH_MAX_URL_CHARS`` | 4096 | longer request targets get 414 |
| ``LATEST`` | ``NEWSSEARCH_LATEST`` | 8 | latest articles on the home page |
"""

from __future__ import annotations

import os
from typing import Any

DEFAULTS: dict[str, Any] = {
    "INDEX_DIR": "index",
    "PER_PAGE": 10,
    "WARM": True,
    "MAX_URL_CHARS": 4096,
    "LATEST": 8,
}
ENV = {
    "INDEX_DIR": "NEWSSEARCH_INDEX",
    "PER_PAGE": "NEWSSEARCH_PER_PAGE",
    "WARM": "NEWSSEARCH_WARM",
    "MAX_URL_CHARS": "NEWSSEARCH_MAX_URL_CHARS",
    "LATEST": "NEWSSEARCH_LATEST",
}


def _convert(key: str, raw: str) -> Any:
    default = DEFAULTS[key]
    if isinstance(default, bool):
        return raw.strip().lower() not in ("0", "false", "no", "off", "")
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"{ENV[key]} must be a whole number, not {raw!r}") from None
    return raw


def load(overrides: dict[str, Any] | None = None,
         environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Settings for one app: ``overrides`` win over the environment, which wins over defaults."""
    env = os.environ if environ is None else environ
    out = dict(DEFAULTS)
    for key, name in ENV.items():
        if env.get(name):
            out[key] = _convert(key, env[name])
    out.update(overrides or {})
    return out
