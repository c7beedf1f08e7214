"""Related articles ("Tin liên quan") for an indexed article or a posted text.

``config`` (request bounds and weights), ``engine`` (``related(engine, RelatedRequest)``),
``terms`` (key terms of a seed), ``consensus`` (neighbours' agreement), ``vectors`` (LSA topic
vectors of a build) and ``fit`` (fitting them while a build is made).

The rule: related/ builds on search/ (its engine, snapshot and BM25F scorer) through public
names; nothing below imports it.
"""

from newssearch.index.vectors import TopicVectors
from newssearch.related.config import DEFAULT_K, MAX_K, MAX_TEXT_CHARS, RelatedConfig
from newssearch.related.engine import RelatedItem, RelatedRequest, RelatedResult, SeedText, related

__all__ = [
    "DEFAULT_K", "MAX_K", "MAX_TEXT_CHARS", "RelatedConfig", "RelatedItem", "RelatedRequest",
    "RelatedResult", "SeedText", "TopicVectors", "related",
]
