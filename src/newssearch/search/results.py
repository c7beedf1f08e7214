"""What a search returns. ``to_dict`` gives the JSON the API and ``--json`` print."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from newssearch.model import Article
from newssearch.search.facets import Facet

# The article fields a hit shows (the body is not sent: snippets stand for it).
HIT_FIELDS = ("id", "title", "url", "published", "category", "tags", "source", "author", "lead")
SIMILAR_FIELDS = ("id", "title", "url", "published", "source")


@dataclass
class Hit:
    article: Article
    score: float
    title_html: str  # the title, escaped, with <mark> around the query's words
    snippets: list[str]  # escaped fragments with <mark>
    similar: list[Article] = field(default_factory=list)  # the same story under other ids
    tier: str = "exact"  # how it matches (matching.TIER_NAMES)
    related: bool = False  # a looser match on the topic, listed after the best tier

    def to_dict(self) -> dict:
        a = self.article.to_dict()
        similar = [{k: c[k] for k in SIMILAR_FIELDS} for c in (s.to_dict() for s in self.similar)]
        return {**{k: a[k] for k in HIT_FIELDS}, "score": self.score,
                "title_html": self.title_html, "snippets": self.snippets, "similar": similar,
                "tier": self.tier, "related": self.related}


@dataclass
class Suggestions:
    accented: list[str] = field(default_factory=list)  # the query with its accents restored
    did_you_mean: list[str] = field(default_factory=list)  # spelling corrections

    def to_dict(self) -> dict[str, list[str]]:
        return {k: v for k, v in asdict(self).items() if v}


@dataclass
class SearchResult:
    query: str
    total: int
    page: int
    per_page: int
    hits: list[Hit]
    facets: dict[str, list[Facet]]
    suggestions: Suggestions
    relaxed: bool  # partial matches are shown (none had every word, or match=any)
    tier: str  # how well the best results match: exact, whole, all or partial
    match: str  # all | any, as requested
    corrected_query: str | None  # the query as searched, when it was read as Telex/VNI
    elapsed_ms: float
    index_version: str

    def to_dict(self) -> dict:
        return {
            "query": self.query, "total": self.total, "page": self.page,
            "per_page": self.per_page, "hits": [h.to_dict() for h in self.hits],
            "facets": {k: [asdict(f) for f in v] for k, v in self.facets.items()},
            "suggestions": self.suggestions.to_dict(), "relaxed": self.relaxed,
            "tier": self.tier, "match": self.match, "corrected_query": self.corrected_query,
            "elapsed_ms": self.elapsed_ms, "index_version": self.index_version,
        }


@dataclass
class IndexStats:
    articles: int
    published_span: list[str] | None  # first and last publication day, ISO
    sources: dict[str, int]
    index_bytes: int
    index_version: str
    build: str

    def to_dict(self) -> dict:
        return asdict(self)
