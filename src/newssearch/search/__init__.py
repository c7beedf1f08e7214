"""Search over the index: ``SearchEngine(root).search(SearchRequest(...))``.

Modules, in the order a request flows through them: ``request`` (what is asked, validated),
``engine`` (generations and entry points), ``snapshot`` (one open generation), ``plan`` (the
query as units, words, phrases), ``matching`` (which documents), ``scoring`` (BM25F, recency,
order), ``facets``, ``spelling`` (accents, did-you-mean, completions), ``results``.
"""

from ..querylang import Filters, QueryError
from .config import RankingConfig
from .engine import SearchEngine
from .facets import Facet
from .request import (
    FACETS,
    MATCH_MODES,
    MAX_PAGE,
    MAX_PER_PAGE,
    MAX_RECENCY,
    SORTS,
    SearchRequest,
)
from .results import Hit, IndexStats, SearchResult, Suggestions

__all__ = [
    "FACETS", "MATCH_MODES", "MAX_PAGE", "MAX_PER_PAGE", "MAX_RECENCY", "SORTS", "Facet", "Filters", "Hit",
    "IndexStats", "QueryError", "RankingConfig", "SearchEngine", "SearchRequest",
    "SearchResult", "Suggestions",
]
