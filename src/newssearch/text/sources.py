"""Source names as readers know them: ``dantri.com.vn`` -> ``Dân trí`` (data/sources_vi.tsv).

Why a table: the corpus records the domain an article came from, which reads as an address,
not a newspaper. The domain stays the key everywhere (filters, the API's ``source``); only what
is shown to readers changes. A domain the table lacks is shown as it is.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def names() -> dict[str, str]:
    """Domain (lower-case, no ``www.``) -> name, from the shipped table."""
    text = (resources.files("newssearch") / "data" / "sources_vi.tsv").read_text(
        encoding="utf-8")
    out = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            domain, name = line.split("\t")
            out[domain.strip().lower()] = name.strip()
    return out


def name(source: str | None) -> str | None:
    """The name to show for a source (its domain when the table lacks it)."""
    if not source:
        return source
    key = source.strip().lower().removeprefix("www.")
    return names().get(key, source)
