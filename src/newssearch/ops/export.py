"""OpenSearch export: the index as an index template, bulk NDJSON and a search template.

Why pre-analyzed text: OpenSearch has no analyzer that does what ours does (pyvi words on the
original casing, one tone placement, accent-folded twins). So every text field is exported
as our analyzer's tokens separated by spaces, and mapped with OpenSearch's ``whitespace``
analyzer, which gives back exactly our terms. Within a field the syllables come first, in
position order (so phrase queries over syllables see our positions), then the composites
(``8.848``) and pyvi words (``phát_triển``), so term frequencies and field lengths equal ours.
Queries must be analyzed the same way: :func:`query_params` does it for the search template.

Scoring: ``combined_fields`` (Lucene's BM25F, OpenSearch 3.2 and later) over title > lead >
body with the weights of :class:`RankingConfig`; exact-accent fields for accented queries,
folded fields (at ``folded_weight_accented`` when the query is accented), whole words and
adjacent pairs as bonuses, as ``search.scoring`` does. Nothing here talks to a server.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from newssearch.index.schema import (
    FORMAT_VERSION,
    SHINGLE_PARTS,
    article_from_stored,
    build_schema,
    doc_fields,
    facet_key,
)
from newssearch.index.store import open_build
from newssearch.model import Article
from newssearch.search import RankingConfig
from newssearch.text.analysis import ANALYZER_VERSION, analyze, is_folded, stopwords

INDEX_TEMPLATE = "index-template.json"
SEARCH_TEMPLATE = "search-template.json"
QUERY_EXAMPLE = "query-example.json"
LOAD_SCRIPT = "load.sh"
BULK_MAX_BYTES = 50_000_000  # per bulk file: half OpenSearch's default http.max_content_length
ANALYZED_PARTS = ("title", "lead", "body", "author")  # each has an exact and a folded field
EXAMPLE_QUERY = "Phong Thổ Lai Châu"


@dataclass(frozen=True)
class ExportResult:
    articles: int
    files: tuple[str, ...]
    bytes: int
    seconds: float


def token_stream(text: str) -> tuple[list[str], list[str]]:
    """Exact and folded tokens of ``text``: syllables in position order, then the rest."""
    toks = analyze(text)
    ordered = [t for t in toks if t.kind == "syl"] + [t for t in toks if t.kind != "syl"]
    return [t.text for t in ordered], [t.folded for t in ordered]


def _shingles(field, text: str) -> list[str]:
    """The field's terms, each repeated as often as it occurs (shingles have no positions)."""
    return [term.decode("utf-8") for term, n, _, _ in sorted(field.index(text))
            for _ in range(n)]


def document(article: Article, schema=None) -> dict:
    """One article as an OpenSearch document (see the module docstring for text fields)."""
    schema = schema or build_schema()
    src = doc_fields(article)
    tags = [t for t in article.tags if t]
    doc: dict = {
        "id": article.id,
        "url": article.url,
        "published": article.published.isoformat() if article.published else None,
        "month": src.get("month"),
        "tags": tags,
        "tags_key": [facet_key(t) for t in tags],
        "category": article.category,
        "category_key": src.get("category"),
        "source": article.source,
        "source_key": src.get("source"),
        "article": article.to_dict(),  # stored, not indexed: snippets come from this text
    }
    for part in ANALYZED_PARTS:
        exact, folded = token_stream(src.get(part) or "")
        doc[part], doc[part + "_f"] = " ".join(exact), " ".join(folded)
    for part in SHINGLE_PARTS:
        doc[part + "_sh"] = " ".join(_shingles(schema[part + "_sh"], src[part + "_sh"]))
    return doc


def _weighted(fields: list[str], parts: tuple[str, ...], cfg: RankingConfig) -> list[str]:
    return [f"{f}^{cfg.boost(p)}" for f, p in zip(fields, parts)]


def index_template(name: str, cfg: RankingConfig) -> dict:
    """Composable index template (PUT _index_template/<name>) for indexes named <name>*."""
    text = {"type": "text", "analyzer": "whitespace"}
    props: dict[str, dict] = {}
    for part in ANALYZED_PARTS:
        props[part] = props[part + "_f"] = {**text, "index_options": "positions"}
    for part in SHINGLE_PARTS:
        props[part + "_sh"] = {**text, "index_options": "freqs"}
    keyword = {"type": "keyword"}
    props |= {
        "id": keyword, "url": {"type": "keyword", "index": False, "doc_values": False},
        "published": {"type": "date"}, "month": {"type": "integer"},
        "tags": keyword, "tags_key": keyword, "category": keyword, "category_key": keyword,
        "source": keyword, "source_key": keyword,
        "article": {"type": "object", "enabled": False},
    }
    settings = {"index": {
        "number_of_shards": 1, "number_of_replicas": 1,
        # combined_fields needs BM25 as the index default; k1 and b as ours.
        "similarity": {"default": {"type": "BM25", "k1": cfg.k1, "b": cfg.b}},
    }}
    return {
        "index_patterns": [f"{name}*"],
        "template": {"settings": settings,
                     "mappings": {"dynamic": "strict", "properties": props}},
        "_meta": {"exported_by": "newssearch", "index_format": FORMAT_VERSION,
                  "analyzer": ANALYZER_VERSION},
    }


def search_template(cfg: RankingConfig) -> dict:
    """Mustache search template (PUT _scripts/<name>-search); params from query_params."""
    parts = ("title", "lead", "body")
    exact = _weighted(list(parts), parts, cfg)
    folded = _weighted([p + "_f" for p in parts], parts, cfg)
    shingles = _weighted([p + "_sh" for p in SHINGLE_PARTS], SHINGLE_PARTS, cfg)

    def clause(param: str, fields: list[str], boost: str, operator: str = "or") -> str:
        return json.dumps({"combined_fields": {
            "query": "{{" + param + "}}", "fields": fields, "operator": operator,
            "boost": "BOOST"}},  # an empty query matches nothing: the clause drops out
            ensure_ascii=False).replace('"BOOST"', boost)

    should = [
        clause("exact", exact, "1"),
        clause("stopwords", folded, "{{stopword_weight}}"),  # mustache cannot multiply
        clause("words_exact", exact, str(cfg.word_bonus)),
        clause("words_folded", folded, str(cfg.word_bonus)),
        clause("shingles", shingles, str(cfg.shingle_weight)),
    ]
    must = clause("required", folded, "{{folded_weight}}", "and")
    source = (
        '{"from": {{from}}, "size": {{size}}, "query": {"bool": {'
        f'"must": [{must}], "should": [{", ".join(should)}], '
        '"filter": {{#toJson}}filter{{/toJson}}}}, "sort": {{#toJson}}sort{{/toJson}}}'
    )
    return {"script": {"lang": "mustache", "source": source}}


def query_params(query: str, cfg: RankingConfig, page: int = 1, per_page: int = 10) -> dict:
    """The search template's parameters for a plain keyword query, analyzed by our analyzer.

    As in ``search``: non-stopword syllables are required (all of them when every word is a
    stopword); an accented query also scores exact-accent fields and weighs folded evidence
    by ``folded_weight_accented``; whole words score in one form (exact when accented).
    """
    toks = analyze(query)
    syls = [t for t in toks if t.kind == "syl"]
    stop = stopwords()
    accented = any(not is_folded(t.text) for t in syls)
    content = [t for t in syls if t.text not in stop] or syls
    words = [t for t in toks if t.kind == "word"]
    pairs = [f"{a.folded}_{b.folded}" for a, b in itertools.pairwise(syls)]
    weight = cfg.folded_weight_accented if accented else 1.0
    return {
        "required": " ".join(t.folded for t in content),
        "stopwords": " ".join(t.folded for t in syls if t not in content),
        "exact": " ".join(t.text for t in syls) if accented else "",
        "words_exact": " ".join(t.text for t in words) if accented else "",
        "words_folded": "" if accented else " ".join(t.folded for t in words),
        "shingles": " ".join(pairs),
        "folded_weight": weight,
        "stopword_weight": round(cfg.stopword_weight * weight, 6),
        "from": (page - 1) * per_page,
        "size": per_page,
        "filter": [],
        "sort": ["_score"],
    }


def articles_of(root: Path) -> tuple[int, Iterator[Article]]:
    """How many articles the live index at ``root`` holds, and an iterator over them."""
    _, ix = open_build(root)
    searcher = ix.searcher()

    def gen() -> Iterator[Article]:
        with searcher:
            for stored in searcher.all_stored_fields():
                yield article_from_stored(stored)

    return searcher.doc_count(), gen()


LOAD_SH = """#!/bin/sh
# Load this export into OpenSearch 3.2+ (combined_fields). Usage: OS=http://host:9200 ./load.sh
set -eu
OS="${OS:-http://localhost:9200}"
cd "$(dirname "$0")"
put() { curl -fsS -X "$1" "$OS/$2" -H 'Content-Type: application/json' --data-binary "@$3"; echo; }
put PUT _index_template/@NAME@ index-template.json
for f in @BULK@; do
  out=$(curl -fsS -X POST "$OS/_bulk" -H 'Content-Type: application/x-ndjson' --data-binary "@$f")
  case "$out" in *'"errors":false'*) echo "$f loaded" ;; *) echo "errors in $f" >&2; exit 1 ;; esac
done
curl -fsS -X POST "$OS/@NAME@/_refresh"; echo
put PUT _scripts/@NAME@-search search-template.json
put POST @NAME@/_search/template query-example.json
"""


def export_opensearch(articles: Iterable[Article], out: Path, name: str = "newssearch",
                      cfg: RankingConfig | None = None) -> ExportResult:
    """Write the export of ``articles`` (e.g. from :func:`articles_of`) into ``out``."""
    t0 = time.perf_counter()
    cfg = cfg or RankingConfig()
    out.mkdir(parents=True, exist_ok=True)
    schema = build_schema()
    count = 0
    bulk: list[str] = []
    chunk: list[str] = []
    size = 0

    def flush() -> None:
        if chunk:
            bulk.append(f"bulk-{len(bulk) + 1:04d}.ndjson")
            (out / bulk[-1]).write_text("".join(chunk), encoding="utf-8")
            chunk.clear()

    for a in articles:
        action = json.dumps({"index": {"_index": name, "_id": a.id}}, ensure_ascii=False)
        chunk.append(action + "\n" + json.dumps(document(a, schema), ensure_ascii=False) + "\n")
        size += len(chunk[-1].encode("utf-8"))
        count += 1
        if size >= BULK_MAX_BYTES:
            flush()
            size = 0
    flush()
    example = {"id": f"{name}-search", "params": query_params(EXAMPLE_QUERY, cfg)}
    files = {
        INDEX_TEMPLATE: index_template(name, cfg),
        SEARCH_TEMPLATE: search_template(cfg),
        QUERY_EXAMPLE: example,
    }
    for fname, obj in files.items():
        (out / fname).write_text(json.dumps(obj, ensure_ascii=False, indent=1) + "\n",
                                 encoding="utf-8")
    script = LOAD_SH.replace("@NAME@", name).replace("@BULK@", " ".join(bulk))
    (out / LOAD_SCRIPT).write_text(script, encoding="utf-8")
    (out / LOAD_SCRIPT).chmod(0o755)
    written = (*files, LOAD_SCRIPT, *bulk)
    return ExportResult(count, written, sum((out / f).stat().st_size for f in written),
                        time.perf_counter() - t0)
