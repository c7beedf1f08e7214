"""OpenSearch export of the real sample/ index: file structure, and text fields whose token
streams are our analyzer's output. (No OpenSearch server runs here; see docs/scaling.md.)"""

from __future__ import annotations

import itertools
import json
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLE_COUNT

from newssearch.cli.app import main
from newssearch.index.schema import SHINGLE_PARTS
from newssearch.model import Article
from newssearch.ops.export import INDEX_TEMPLATE, QUERY_EXAMPLE, SEARCH_TEMPLATE, query_params
from newssearch.search import RankingConfig
from newssearch.text.analysis import analyze

PARTS = ("title", "lead", "body", "author")


@pytest.fixture(scope="module")
def export_dir(sample_index, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export") / "os"
    res = CliRunner().invoke(main, ["export", "--format", "opensearch", "--index",
                                    str(sample_index), str(out)])
    assert res.exit_code == 0, res.output
    assert f"exported {SAMPLE_COUNT} articles" in res.output
    return out


@pytest.fixture(scope="module")
def bulk(export_dir) -> list[tuple[dict, dict]]:
    lines = []
    for f in sorted(export_dir.glob("bulk-*.ndjson")):
        text = f.read_text(encoding="utf-8")
        assert text.endswith("\n")
        lines += text.splitlines()
    assert len(lines) % 2 == 0
    return [(json.loads(a), json.loads(d)) for a, d in zip(lines[::2], lines[1::2])]


def indexed_text(a: Article, part: str) -> str:
    """What the index analyzes for each part (captions are indexed with the body)."""
    return {"title": a.title, "lead": a.lead or "", "author": a.author or "",
            "body": "\n".join([*a.captions, *a.body])}[part]


def test_bulk_holds_every_article_once_with_its_stored_record(bulk, sample_articles):
    by_id = {a.id: a for a in sample_articles}
    assert sorted(action["index"]["_id"] for action, _ in bulk) == sorted(by_id)
    for action, doc in bulk:
        assert action["index"]["_index"] == "newssearch" and doc["id"] == action["index"]["_id"]
        # The stored record: as ingested, plus the tags found at index time.
        stored = Article.from_dict(doc["article"]).to_dict()
        assert isinstance(stored.pop("extracted_tags"), list)
        want = by_id[doc["id"]].to_dict()
        want.pop("extracted_tags")
        assert stored == want


def test_mapping_covers_every_exported_field_and_mirrors_bm25(export_dir, bulk):
    tpl = json.loads((export_dir / INDEX_TEMPLATE).read_text(encoding="utf-8"))
    assert tpl["index_patterns"] == ["newssearch*"]
    mappings = tpl["template"]["mappings"]
    assert mappings["dynamic"] == "strict"  # a field we forgot would fail loudly
    props = mappings["properties"]
    assert {k for _, doc in bulk for k in doc} <= set(props)
    for part in PARTS:
        for f in (part, part + "_f"):
            assert props[f] == {"type": "text", "analyzer": "whitespace",
                                "index_options": "positions"}
    cfg = RankingConfig()
    sim = tpl["template"]["settings"]["index"]["similarity"]["default"]
    assert sim == {"type": "BM25", "k1": cfg.k1, "b": cfg.b}
    assert props["article"] == {"type": "object", "enabled": False}


def test_text_fields_are_our_analyzers_tokens(bulk, sample_articles):
    by_id = {a.id: a for a in sample_articles}
    checked = 0
    for _, doc in bulk:
        a = by_id[doc["id"]]
        for part in PARTS:
            toks = analyze(indexed_text(a, part))
            exact, folded = doc[part].split(), doc[part + "_f"].split()
            # The same terms, as often as the index holds them ...
            assert Counter(exact) == Counter(t.text for t in toks)
            assert Counter(folded) == Counter(t.folded for t in toks)
            # ... and each syllable at its own position, as the whitespace tokenizer counts.
            syls = [t for t in toks if t.kind == "syl"]
            assert exact[: len(syls)] == [t.text for t in syls]
            assert folded[: len(syls)] == [t.folded for t in syls]
            assert [t.pos for t in syls] == list(range(len(syls)))
            checked += bool(toks)
        for part in SHINGLE_PARTS:
            syl = [t.folded for t in analyze(indexed_text(a, part)) if t.kind == "syl"]
            pairs = {f"{x}_{y}" for x, y in itertools.pairwise(syl)}
            assert set(doc[part + "_sh"].split()) <= pairs
    assert checked > SAMPLE_COUNT * 3  # titles, leads and bodies (few sample articles have an author)


def render(source: str, params: dict) -> dict:
    """The two mustache forms the template uses: {{#toJson}}p{{/toJson}} and {{p}}."""
    out = re.sub(r"\{\{#toJson\}\}(\w+)\{\{/toJson\}\}",
                 lambda m: json.dumps(params[m.group(1)]), source)
    return json.loads(re.sub(r"\{\{(\w+)\}\}", lambda m: str(params[m.group(1)]), out))


def test_search_template_renders_with_our_weights(export_dir):
    cfg = RankingConfig()
    source = json.loads((export_dir / SEARCH_TEMPLATE).read_text())["script"]["source"]
    example = json.loads((export_dir / QUERY_EXAMPLE).read_text(encoding="utf-8"))
    body = render(source, example["params"])
    must = body["query"]["bool"]["must"][0]["combined_fields"]
    assert must["fields"] == [f"title_f^{cfg.title_boost}", f"lead_f^{cfg.lead_boost}",
                              f"body_f^{cfg.body_boost}"]
    assert must["operator"] == "and" and must["boost"] == cfg.folded_weight_accented
    should = {c["combined_fields"]["query"]: c["combined_fields"]
              for c in body["query"]["bool"]["should"]}
    assert should["phong thổ lai châu"]["fields"][0] == f"title^{cfg.title_boost}"
    assert (body["from"], body["size"], body["query"]["bool"]["filter"]) == (0, 10, [])
    assert body["sort"] == ["_score"]


def test_query_params_follow_the_engines_rules():
    cfg = RankingConfig()
    plain = query_params("phong tho", cfg)
    assert plain["required"] == "phong tho" and plain["exact"] == ""
    assert plain["folded_weight"] == 1.0 and plain["shingles"] == "phong_tho"
    accented = query_params("Phong Thổ", cfg, page=3, per_page=20)
    assert accented["exact"] == "phong thổ" and accented["required"] == "phong tho"
    assert accented["folded_weight"] == cfg.folded_weight_accented
    assert (accented["from"], accented["size"]) == (40, 20)
    mixed = query_params("giá của vàng", cfg)
    assert mixed["required"] == "gia vang" and mixed["stopwords"] == "cua"
    only_stop = query_params("của các", cfg)
    assert only_stop["required"] == "cua cac" and only_stop["stopwords"] == ""


def test_load_script_is_valid_shell(export_dir):
    script = export_dir / "load.sh"
    assert subprocess.run(["sh", "-n", str(script)], check=False).returncode == 0
    text = script.read_text()
    assert "bulk-0001.ndjson" in text and "_index_template/newssearch" in text


def test_export_rejects_a_bad_index_name(sample_index, tmp_path):
    res = CliRunner().invoke(main, ["export", "--format", "opensearch", "--name", "Bad Name",
                                    "--index", str(sample_index), str(tmp_path / "x")])
    assert res.exit_code == 2 and "lowercase" in res.output
