"""Per-document columns of one index generation as numpy arrays: facets and dates.

Why arrays: filters and facet counts over the whole index become a mask and a ``bincount``,
independent of how many documents match.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np
from whoosh.util.times import datetime_to_long, long_to_datetime

from newssearch.index.schema import TAG_SEP, facet_key
from newssearch.index.whoosh_compat import read_column
from newssearch.model import LOCAL_TZ

MAX_DT = datetime_to_long(datetime.max)  # Whoosh's "missing" sentinel is beyond it


@dataclass
class Columns:
    cat_ids: np.ndarray  # int32 label id per doc, -1 for none
    cat_labels: list[str]
    src_ids: np.ndarray
    src_labels: list[str]
    month: np.ndarray  # int32 yyyymm, 0 for none
    tag_docs: np.ndarray  # sparse doc -> tag pairs (most articles have no tags)
    tag_vals: np.ndarray
    tag_labels: list[str]
    published: np.ndarray  # int64 Whoosh datetime longs, -1 for undated
    # Extracted tags (people, places, organisations), sparse like the publisher's.
    name_docs: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    name_vals: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    name_labels: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.cat_keys = {facet_key(lbl): i for i, lbl in enumerate(self.cat_labels)}
        self.src_keys = {facet_key(lbl): i for i, lbl in enumerate(self.src_labels)}
        self.tag_keys = {facet_key(lbl): i for i, lbl in enumerate(self.tag_labels)}
        self.name_keys = {facet_key(lbl): i for i, lbl in enumerate(self.name_labels)}
        # Articles per extracted tag (the related engine leaves out the commonest).
        self.name_counts = np.bincount(self.name_vals, minlength=len(self.name_labels))


def label(value: str) -> str:
    """One label per NFC spelling: NFD and NFC copies of a category count together."""
    return " ".join(unicodedata.normalize("NFC", value).split())


def load_columns(leaves: list, n: int) -> Columns:
    def labels(values: list[bytes]) -> tuple[np.ndarray, list[str]]:
        ids: dict[str, int] = {}
        out = np.full(len(values), -1, dtype=np.int32)
        for i, v in enumerate(values):
            if v:
                out[i] = ids.setdefault(label(v.decode("utf-8")), len(ids))
        return out, list(ids)

    cat_ids, cat_labels = labels(read_column(leaves, n, "category_c"))
    src_ids, src_labels = labels(read_column(leaves, n, "source_c"))
    month = np.array([m or 0 for m in read_column(leaves, n, "month")], dtype=np.int32)
    tag_docs, tag_vals, tag_labels = _sparse(read_column(leaves, n, "tagset"))
    name_docs, name_vals, name_labels = _sparse(read_column(leaves, n, "nameset"))
    pub = read_column(leaves, n, "published")
    published = np.array(
        [p if isinstance(p, int) and 0 < p < MAX_DT else -1 for p in pub], dtype=np.int64
    ) if pub else np.zeros(0, dtype=np.int64)
    return Columns(cat_ids, cat_labels, src_ids, src_labels, month, tag_docs, tag_vals,
                   tag_labels, published, name_docs, name_vals, name_labels)


def _sparse(values: list) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(doc, label id) pairs and the labels of a column of TAG_SEP-joined values."""
    ids: dict[str, int] = {}
    docs, vals = [], []
    for d, v in enumerate(values):
        if v:
            for t in v.decode("utf-8").split(TAG_SEP):
                docs.append(d)
                vals.append(ids.setdefault(label(t), len(ids)))
    return np.array(docs, dtype=np.int32), np.array(vals, dtype=np.int32), list(ids)


# The published column holds Whoosh's datetime longs (microseconds since datetime.min, UTC).
def to_whoosh_dt(d: date, next_day: bool = False) -> int:
    """Start of local day ``d`` (or of the day after), clamped to Whoosh's range."""
    if d <= date.min + timedelta(days=1):
        return 0
    if d >= date.max - timedelta(days=2):
        return MAX_DT
    if next_day:
        d += timedelta(days=1)
    local = datetime(d.year, d.month, d.day, tzinfo=LOCAL_TZ)
    return datetime_to_long(local.astimezone(UTC).replace(tzinfo=None))


def from_whoosh_dt(value: int) -> datetime:
    return long_to_datetime(value).replace(tzinfo=UTC).astimezone(LOCAL_TZ)


DAY_US = 86_400_000_000  # Whoosh datetime longs are microseconds


def decay(published: np.ndarray, at: int, half_life_days: float) -> np.ndarray:
    """Weight halving every ``half_life_days`` of distance between each article's date and
    ``at`` (Whoosh longs); 0 for undated articles. Search's recency and related articles'
    time boost both ask this, so "half-life" means one thing."""
    days = np.abs(published - at) / DAY_US
    return np.where(published >= 0, 0.5 ** (days / half_life_days), 0.0)
