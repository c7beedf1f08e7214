"""The API's OpenAPI 3.1 description, served at /api/openapi.json.

tests/test_openapi.py keeps it true: every /api route and every query parameter a view reads
must be here, and real responses must validate against these schemas.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from newssearch.related import MAX_K as MAX_RELATED
from newssearch.related import MAX_TEXT_CHARS
from newssearch.search import FACETS, MATCH_MODES, MAX_PER_PAGE, SORTS, SearchRequest
from newssearch.search.request import FRAGMENT_CHARS, MAX_FRAGMENTS
from newssearch.web.params import FLAG_VALUES, MAX_PAGE, MAX_PARAM_CHARS, MAX_RECENCY

STR_OR_NULL = {"type": ["string", "null"]}


EMPTY = {"type": "string", "maxLength": 0, "description": "Empty: the default."}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _param(name: str, schema: dict, description: str, where: str = "query",
           repeat: bool = False) -> dict:
    p: dict[str, Any] = {"name": name, "in": where, "description": description,
                         "required": where == "path"}
    if where == "query" and (schema.get("type") in ("integer", "number") or "enum" in schema):
        # The shared parameter checks read an empty value as absent (what a form sends).
        inner = {k: v for k, v in schema.items() if k != "default"}
        schema = {"anyOf": [inner, EMPTY], **{k: v for k, v in schema.items() if k == "default"}}
    if repeat:
        p.update(schema={"type": "array", "items": schema}, style="form", explode=True)
    else:
        p["schema"] = schema
    return p


def _flag(default: bool) -> dict:
    return {"type": "string", "enum": list(FLAG_VALUES), "default": "1" if default else "0"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "400": _json(_ref("Error"), "Bad parameter (code `bad_request`)."),
    "414": {"description": "The URL is longer than 4096 characters (code `uri_too_long`); "
                           "past 8190 bytes the HTTP server's own page answers.",
            "content": {"application/json": {"schema": _ref("Error")},
                        "text/html": {"schema": {"type": "string"}}}},
    "503": _json(_ref("Error"), "No usable index (codes `no_index`, `rebuild_needed`, ...)."),
}
CONDITIONAL = {
    "304": {"description": "Not modified: If-None-Match holds the current ETag."},
    "409": _json(_ref("Error"), "The index version pinned with `v` is no longer served here "
                                "(code `version_gone`): restart paging without it."),
}
RATE_LIMITED = {"429": _json(_ref("Error"), "Too many requests from this client (code "
                                            "`rate_limited`); see the Retry-After header.")}
TEXT = {"type": "string", "maxLength": MAX_PARAM_CHARS}
DEFAULTS = SearchRequest()
DATE = {"type": "string", "anyOf": [{"format": "date"}, {"maxLength": 0}],
        "description": "2020-10-25 (25/10/2020 and 25-10-2020 are read too); empty: none. "
                       "A window ending before it starts holds nothing."}
FACET_LIST = f"^[ ,]*(?:(?:{'|'.join(FACETS)}) *(?:,[ ,]*|$))*$"
PIN = _param("v", TEXT, "Index version to pin to (X-Index-Version of the first page), so "
                        "that every page comes from one version (docs/scaling.md).")

SEARCH_PARAMS = [
    _param("q", TEXT, 'Query: words, "phrases", -exclusion, OR, title: tag: category: source: '
                      "author: from: to: prefixes."),
    _param("tag", TEXT, "Only articles with every given tag.", repeat=True),
    _param("category", TEXT, "Only articles in one of the given categories.", repeat=True),
    _param("source", TEXT, "Only articles from one of the given sources.", repeat=True),
    _param("from", DATE, "Published on or after this day."),
    _param("to", DATE, "Published on or before this day."),
    _param("sort", {"type": "string", "enum": list(SORTS), "default": DEFAULTS.sort},
           "Order of the hits."),
    _param("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
           "Page number; a page past the end gives an empty list and the true total."),
    _param("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE,
                        "default": 10}, "Hits per page."),
    _param("facets", {"type": "string", "pattern": FACET_LIST, "maxLength": MAX_PARAM_CHARS},
           f"Comma-separated facets to count (of {', '.join(FACETS)}); empty for none; "
           "all when absent."),
    _param("recency", {"type": "number", "minimum": 0, "maximum": MAX_RECENCY, "default": 0},
           "Boost for recent articles (0 off, 0.5 up to +50%)."),
    _param("match", {"type": "string", "enum": list(MATCH_MODES), "default": DEFAULTS.match},
           "all: the best-matching articles only (words whole, accents as typed, then "
           "looser); any: partial matches too, after them."),
    _param("literal", _flag(DEFAULTS.literal),
           "1: search exactly as typed (no Telex/VNI reading, no typo guesses)."),
    _param("fold", _flag(DEFAULTS.fold),
           "0: list every copy of a syndicated story (default: copies fold under the first)."),
    _param("snippets", _flag(DEFAULTS.snippets),
           "0: no snippets (every hit's `snippets` is an empty list); faster."),
    _param("fragment_chars", {"type": "integer", "minimum": FRAGMENT_CHARS[0],
                              "maximum": FRAGMENT_CHARS[1],
                              "default": DEFAULTS.fragment_chars},
           "Length of a snippet in characters (about; cut at word boundaries)."),
    _param("max_fragments", {"type": "integer", "minimum": 0, "maximum": MAX_FRAGMENTS,
                             "default": DEFAULTS.max_fragments},
           "At most this many snippets per hit."),
    _param("suggest", _flag(DEFAULTS.suggest),
           "0: no suggestions (accent restoration, did you mean): `suggestions` is `{}`."),
]

RELATED_PARAMS = [
    _param("k", {"type": "integer", "minimum": 1, "maximum": MAX_RELATED, "default": 5},
           "How many related articles."),
    _param("same_source", {"type": "string", "enum": ["0", "1", "true", "false"]},
           "1: only articles of the seed's source."),
    _param("source", TEXT, "Only articles from one of the given sources.", repeat=True),
    _param("category", TEXT, "Only articles in one of the given categories.", repeat=True),
    _param("from", DATE, "Published on or after this day."),
    _param("to", DATE, "Published on or before this day."),
]

SCHEMAS: dict[str, dict] = {
    "Error": {
        "type": "object", "required": ["error"], "additionalProperties": False,
        "properties": {"error": {
            "type": "object", "required": ["code", "message"], "additionalProperties": False,
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}},
    },
    "Hit": {
        "type": "object",
        "required": ["id", "title", "url", "published", "category", "tags", "source", "author",
                     "lead", "score", "title_html", "snippets"],
        "properties": {
            "id": {"type": "string"}, "title": {"type": "string"}, "url": STR_OR_NULL,
            "published": STR_OR_NULL, "category": STR_OR_NULL,
            "tags": {"type": "array", "items": {"type": "string"}}, "source": STR_OR_NULL,
            "author": STR_OR_NULL, "lead": {"type": "string"}, "score": {"type": "number"},
            "title_html": {"type": "string", "description": "Escaped title with <mark>."},
            "snippets": {"type": "array", "items": {"type": "string"},
                         "description": "Escaped fragments with <mark>."},
            "similar": {"type": "array", "items": _ref("Similar"),
                        "description": "The same story under other ids, folded under it."},
            "tier": {"type": "string", "enum": ["exact", "whole", "all", "partial"],
                     "description": "How this hit matches the query."},
            "related": {"type": "boolean",
                        "description": "A looser match on the topic, listed after the best "
                                       "tier (\"Kết quả liên quan khác\")."},
        },
    },
    "Similar": {
        "type": "object", "required": ["id", "title", "url", "published", "source"],
        "properties": {"id": {"type": "string"}, "title": {"type": "string"},
                       "url": STR_OR_NULL, "published": STR_OR_NULL, "source": STR_OR_NULL},
    },
    "FacetValue": {
        "type": "object", "required": ["value", "count"],
        "properties": {"value": {"type": "string"}, "count": {"type": "integer", "minimum": 0}},
    },
    "SearchResult": {
        "type": "object",
        "required": ["query", "total", "page", "per_page", "hits", "facets", "suggestions",
                     "relaxed", "elapsed_ms", "index_version"],
        "properties": {
            "query": {"type": "string"}, "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer"}, "per_page": {"type": "integer"},
            "hits": {"type": "array", "items": _ref("Hit")},
            "facets": {"type": "object", "propertyNames": {"enum": list(FACETS)},
                       "additionalProperties": {"type": "array", "items": _ref("FacetValue")}},
            "suggestions": {"type": "object", "description": "accented / did_you_mean",
                            "additionalProperties": {"type": "array",
                                                     "items": {"type": "string"}}},
            "relaxed": {"type": "boolean",
                        "description": "No article had every word: partial matches."},
            "tier": {"enum": ["exact", "whole", "all", "partial"],
                     "description": "How well the best results match."},
            "match": {"enum": ["all", "any"]},
            "corrected_query": {"type": ["string", "null"],
                                "description": "The query as searched, when read as Telex/VNI."},
            "elapsed_ms": {"type": "number"}, "index_version": {"type": "string"},
        },
    },
    "Suggestions": {
        "type": "object", "required": ["query", "suggestions", "completions", "articles"],
        "properties": {
            "query": {"type": "string"},
            "suggestions": {"type": "array", "items": {"type": "string"},
                            "description": "The completions' texts, best first."},
            "completions": {"type": "array", "items": {
                "type": "object", "required": ["text", "typed"],
                "properties": {
                    "text": {"type": "string",
                             "description": "A phrase as titles and leads write it."},
                    "typed": {"type": "integer", "minimum": 0, "description":
                              "How many leading characters of text the reader typed; the "
                              "rest is the completion."}}}},
            "articles": {"type": "array", "items": {
                "type": "object", "required": ["id", "title"],
                "properties": {"id": {"type": "string"}, "title": {"type": "string"}}}},
        },
    },
    "Article": {
        "type": "object", "required": ["id", "title", "body"],
        "properties": {
            "id": {"type": "string"}, "title": {"type": "string"},
            "body": {"type": "array", "items": {"type": "string"}},
            "lead": {"type": "string"}, "published": STR_OR_NULL, "crawled_at": STR_OR_NULL,
            "author": STR_OR_NULL, "tags": {"type": "array", "items": {"type": "string"}},
            "extracted_tags": {"type": "array", "items": {"type": "string"},
                               "description": "People, places, organisations and events "
                               "the article names, found at index time (not the "
                               "publisher's tags); empty in a build made before them."},
            "category": STR_OR_NULL, "url": STR_OR_NULL, "source": STR_OR_NULL,
            "captions": {"type": "array", "items": {"type": "string"}},
            "related_titles": {"type": "array", "items": {"type": "string"}},
        },
    },
    "Stats": {
        "type": "object", "required": ["articles", "published_span", "sources", "index_version"],
        "properties": {
            "articles": {"type": "integer"},
            "published_span": {"oneOf": [{"type": "null"}, {
                "type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2}]},
            "sources": {"type": "object", "additionalProperties": {"type": "integer"}},
            "index_bytes": {"type": "integer"}, "index_version": {"type": "string"},
            "build": {"type": "string"},
        },
    },
    "RelatedItem": {
        "type": "object",
        "required": ["id", "title", "url", "published", "source", "source_name", "category",
                     "score", "reason"],
        "properties": {
            "id": {"type": "string"}, "title": {"type": "string"}, "url": STR_OR_NULL,
            "published": STR_OR_NULL, "source": STR_OR_NULL, "category": STR_OR_NULL,
            "source_name": {**STR_OR_NULL, "description":
                            "The source as readers know it (Dân trí for dantri.com.vn)."},
            "score": {"type": "number"},
            "reason": {"type": "object", "required": ["text", "terms", "tags", "same_category"],
                       "properties": {
                           "text": {"type": "string", "description": "One line for readers."},
                           "terms": {"type": "array", "items": {"type": "string"}},
                           "tags": {"type": "array", "items": {"type": "string"}},
                           "same_category": {"type": "boolean"}}},
        },
    },
    "RelatedResult": {
        "type": "object",
        "required": ["seed", "items", "terms", "excluded", "index_version", "elapsed_ms"],
        "properties": {
            "seed": STR_OR_NULL, "items": {"type": "array", "items": _ref("RelatedItem")},
            "terms": {"type": "array", "items": {"type": "string"},
                      "description": "The seed's key terms, strongest first."},
            "excluded": {"type": "array", "items": {"type": "string"},
                         "description": "Ids of the seed's copies (same story) left out."},
            "index_version": {"type": "string"}, "elapsed_ms": {"type": "number"},
        },
    },
    "RelatedText": {
        "type": "object", "description": "An unindexed article (title, lead or body needed).",
        "anyOf": [{"required": [k], "properties": {k: {"type": "string", "pattern": r"\S"}}}
                  for k in ("title", "lead", "body")],
        "properties": {
            "title": {"type": "string"}, "lead": {"type": "string"}, "body": {"type": "string"},
            "k": {"type": "integer", "minimum": 1, "maximum": MAX_RELATED, "default": 5},
            "published": {"type": "string", "anyOf": [{"format": "date"},
                                                      {"format": "date-time"},
                                                      {"maxLength": 0}],
                          "description": "ISO 8601 date or time."},
            "category": {"type": "string"}, "source": {"type": "string"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "same_source": {"type": "boolean"},
            "from": DATE, "to": DATE,
        },
    },
    "Health": {
        "type": "object", "required": ["status"],
        "properties": {
            "status": {"enum": ["ok", "not_ready"]}, "index_version": {"type": "string"},
            "articles": {"type": "integer"},
            "index_age_seconds": {"type": ["number", "null"]},
            "error": {"$ref": "#/components/schemas/Error/properties/error"},
        },
    },
}


def _get(summary: str, responses: dict, params: list | None = None,
         cached: bool = True, limited: bool = True) -> dict:
    op: dict[str, Any] = {"summary": summary,
                          "parameters": [*(params or []), *([PIN] if cached else [])],
                          "responses": {
                              **responses, "414": ERRORS["414"],  # any GET: URL too long
                              **({"400": ERRORS["400"]} if cached else {}),  # a bad v
                              **(CONDITIONAL if cached else {}),
                              **(RATE_LIMITED if limited else {})}}
    return {"get": op}


@cache
def document() -> dict:
    """The whole OpenAPI 3.1 document (built once; it is the same for every request)."""
    article_id = _param("article_id", {"type": "string"},
                        "Article id (may contain / and spaces; percent-encode them).", "path")
    return {
        "openapi": "3.1.0",
        "info": {"title": "newssearch API", "version": "1",
                 "description": "Search over a Vietnamese news archive. Every error is "
                                '{"error": {"code", "message"}}. Responses carry a weak ETag '
                                "and X-Index-Version; send If-None-Match to get 304."},
        "servers": [{"url": "/api"}],
        "paths": {
            "/search": _get("Search articles", {
                "200": _json(_ref("SearchResult"), "One page of hits, facets, suggestions."),
                **ERRORS}, SEARCH_PARAMS),
            "/suggest": _get("Completions for a search box", {
                "200": _json(_ref("Suggestions"), "Most frequent completions first."),
                **ERRORS}, [
                _param("q", TEXT, "What the reader typed so far."),
                _param("limit", {"type": "integer", "minimum": 1, "maximum": 20, "default": 8},
                       "At most this many completions."),
                _param("articles", {"type": "integer", "minimum": 0, "maximum": 5, "default": 0},
                       "Also this many titles of the articles best matching the first "
                       "completion.")]),
            "/articles/{article_id}": _get("One article as ingested", {
                "200": _json(_ref("Article"), "The article."),
                "404": _json(_ref("Error"), "No article with that id (code `not_found`)."),
                "503": ERRORS["503"]}, [article_id]),
            "/articles/{article_id}/related": _get("Related articles (the widget's list)", {
                "200": _json(_ref("RelatedResult"), "Never the article itself nor its copies; "
                             "one article per story. Cache-Control: public, max-age=300."),
                "404": _json(_ref("Error"), "No article with that id (code `not_found`)."),
                **ERRORS}, [article_id, *RELATED_PARAMS]),
            "/related": {"post": {
                "summary": "Related articles for an unindexed article (JSON body)",
                "parameters": [],
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": _ref("RelatedText")}}},
                "responses": {
                    "200": _json(_ref("RelatedResult"), "Related articles; never cached."),
                    "413": _json(_ref("Error"), f"More than {MAX_TEXT_CHARS} characters of "
                                 "text, or a body over the size cap (code `too_large`)."),
                    **ERRORS, **RATE_LIMITED}}},
            "/health": _get("Readiness for load balancers", {
                "200": _json(_ref("Health"), "Serving: index loaded."),
                "503": _json(_ref("Health"), "Not ready: no usable index.")}, cached=False,
                limited=False),
            "/stats": _get("Index statistics", {
                "200": _json(_ref("Stats"), "Counts, date span, sources, size, version."),
                "503": ERRORS["503"]}),
            "/openapi.json": _get("This document", {
                "200": {"description": "OpenAPI 3.1 document.",
                        "content": {"application/json": {"schema": {"type": "object"}}}}},
                cached=False),
            "/docs": _get("This document as a web page", {
                "200": {"description": "HTML page.",
                        "content": {"text/html": {"schema": {"type": "string"}}}}},
                cached=False),
        },
        "components": {"schemas": SCHEMAS},
    }
