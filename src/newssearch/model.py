"""The article record that crosses every module border (ingest -> index -> search -> web)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass
class Article:
    id: str
    title: str
    body: list[str] = field(default_factory=list)
    lead: str = ""
    published: datetime | None = None
    crawled_at: datetime | None = None
    author: str | None = None
    tags: list[str] = field(default_factory=list)  # the publisher's
    # Names the article is about, found at index time (index/tagging.py), not the publisher's.
    extracted_tags: list[str] = field(default_factory=list)
    category: str | None = None
    url: str | None = None
    source: str | None = None
    captions: list[str] = field(default_factory=list)
    related_titles: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: dates as ISO 8601 strings, everything else as is."""
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            out[f.name] = v.isoformat() if isinstance(v, datetime) else v
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Article:
        kw: dict[str, Any] = {f.name: d.get(f.name) for f in fields(cls) if f.name in d}
        for k in ("published", "crawled_at"):
            if kw.get(k):
                kw[k] = parse_datetime(kw[k])
        for k in ("body", "tags", "extracted_tags", "captions", "related_titles"):
            if kw.get(k) is None:
                kw.pop(k, None)
        return cls(**kw)

    def content_hash(self) -> str:
        """Stable digest of everything indexed: lets an incremental run skip unchanged articles.
        Extracted tags are derived from the rest, so they do not enter it."""
        d = self.to_dict()
        d.pop("extracted_tags")
        return hashlib.blake2b(
            json.dumps(d, ensure_ascii=False, sort_keys=True).encode("utf-8"),
            digest_size=16,
        ).hexdigest()


def parse_datetime(value: str) -> datetime:
    """ISO 8601 date or datetime; naive values are Vietnam local time, dates are local midnight."""
    value = value.strip()
    if len(value) == 10:
        d = date.fromisoformat(value)
        return datetime.combine(d, time(0, 0), tzinfo=LOCAL_TZ)
    dt = datetime.fromisoformat(value)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=LOCAL_TZ)
    return dt
