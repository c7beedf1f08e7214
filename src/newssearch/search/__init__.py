"""Search over the index: ``SearchEngine(root).search(SearchRequest(...))``.

Modules, in the order a request flows through them: ``request`` (what is asked, validated),
``engine`` (generations and entry points), ``snapshot`` (one open generation), ``plan`` (the
query as units, words, phrases), ``matching`` (which documents), ``scoring`` (BM25F, recency,
order), ``facets``, ``spelling`` (accents, did-you-mean, completions), ``results``.
"""

from newssearch.errors import QueryError
from newssearch.index.ranking import RankingConfig
from newssearch.search.engine import SearchEngine
from newssearch.search.facets import Facet
from newssearch.search.querylang import Filters
from newssearch.search.request import (
    FACETS,
    MATCH_MODES,
    MAX_PAGE,
    MAX_PER_PAGE,
    MAX_RECENCY,
    SORTS,
    SearchRequest,
)
from newssearch.search.results import Hit, IndexStats, SearchResult, Suggestions

__all__ = [
    "FACETS", "MATCH_MODES", "MAX_PAGE", "MAX_PER_PAGE", "MAX_RECENCY", "SORTS", "Facet", "Filters", "Hit",
    "IndexStats", "QueryError", "RankingConfig", "SearchEngine", "SearchRequest",
    "SearchResult", "Suggestions",
]
