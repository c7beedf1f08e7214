"""/api/openapi.json stays true: every /api route and every query parameter a view reads is
documented, and real responses validate against the documented schemas."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import ClassVar
from urllib.parse import quote

import pytest
from conftest import SPACE_ID
from flask import Request
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from werkzeug.datastructures import ImmutableMultiDict

from newssearch.web import create_app

DOC_URI = "urn:newssearch:openapi"
AUTO_METHODS = {"HEAD", "OPTIONS"}
# Real requests for every /api endpoint: good, bad and missing values (statuses vary).
SAMPLES = {
    "api.search": ["/api/search?q=phong+tho", ("/api/search?q=b%C3%B3ng+%C4%91%C3%A1&tag=x"
                   "&category=Th%E1%BB%83+thao&source=dantri.com.vn&from=2020-01-01"
                   "&to=31/12/2021&sort=newest&page=2&per_page=5&facets=month,tags&recency=0.5"),
                   "/api/search?q=Zorbalandd", "/api/search?page=0", "/api/search?q=from:x",
                   "/api/search?q=phong+tho&page=900",
                   ("/api/search?q=phong+tho&snippets=0&suggest=0&fragment_chars=40"
                    "&max_fragments=1&literal=1&fold=0&match=any"),
                   "/api/search?q=phong+tho&fragment_chars=39"],
    "api.suggest": ["/api/suggest?q=phong+th&limit=3", "/api/suggest", "/api/suggest?limit=x",
                    "/api/suggest?q=" + "x" * 1001],
    "api.article": ["/api/articles/seed_phong_tho.txt", "/api/articles/" + quote(SPACE_ID),
                    "/api/articles/nope"],
    "api.stats": ["/api/stats"],
    "api.health": ["/api/health"],
    "api.openapi_json": ["/api/openapi.json"],
    "api.docs": ["/api/docs"],
    "api_related.article_related": [
        "/api/articles/seed_phong_tho.txt/related?k=3", "/api/articles/nope/related",
        ("/api/articles/seed_phong_tho.txt/related?k=0&same_source=1&source=x&category=y"
         "&from=2020-01-01&to=2021-01-01")],
    "api_related.text_related": [],  # POST only: its body and answers are checked in test_widget_api
}


class RecordingArgs(ImmutableMultiDict):
    """Query arguments that remember every name a view asked for."""

    seen: ClassVar[set[str]] = set()

    def get(self, key, *args, **kwargs):
        RecordingArgs.seen.add(key)
        return super().get(key, *args, **kwargs)

    def getlist(self, key, *args, **kwargs):
        RecordingArgs.seen.add(key)
        return super().getlist(key, *args, **kwargs)

    def __getitem__(self, key):
        RecordingArgs.seen.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        RecordingArgs.seen.add(key)
        return super().__contains__(key)


class RecordingRequest(Request):
    parameter_storage_class = RecordingArgs


@pytest.fixture(scope="module")
def app(search_index):
    app = create_app({"INDEX_DIR": str(search_index.root), "TESTING": True, "WARM": False})
    app.request_class = RecordingRequest
    return app


@pytest.fixture(scope="module")
def doc(app) -> dict:
    r = app.test_client().get("/api/openapi.json")
    assert r.status_code == 200
    return r.get_json()


def api_rules(app):
    return [r for r in app.url_map.iter_rules() if r.rule.startswith("/api")]


def doc_path(rule: str) -> str:
    """``/api/articles/<path:article_id>`` -> ``/articles/{article_id}``."""
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)[len("/api"):]


def test_document_is_openapi_31_with_valid_schemas(doc):
    assert doc["openapi"].startswith("3.1") and doc["servers"] == [{"url": "/api"}]
    for name, schema in doc["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema), name


def test_every_api_route_and_method_is_documented(app, doc):
    rules = api_rules(app)
    assert len(rules) >= 7
    for rule in rules:
        path = doc_path(rule.rule)
        assert path in doc["paths"], f"{rule.rule} is not in /api/openapi.json"
        methods = {m.lower() for m in rule.methods - AUTO_METHODS}
        assert methods <= set(doc["paths"][path]), (rule.rule, methods)
        for m in methods:
            declared = {p["name"] for p in doc["paths"][path][m]["parameters"]
                        if p["in"] == "path"}
            assert declared == set(rule.arguments), (rule.rule, declared)
    assert set(SAMPLES) == {r.endpoint for r in rules}, "add sample requests for new routes"


@pytest.mark.parametrize("endpoint", sorted(SAMPLES))
def test_every_query_parameter_read_is_documented(app, doc, endpoint):
    rule = next(r for r in api_rules(app) if r.endpoint == endpoint)
    op = doc["paths"][doc_path(rule.rule)].get("get", {"parameters": []})
    documented = {p["name"] for p in op["parameters"] if p["in"] == "query"}
    c = app.test_client()
    for url in SAMPLES[endpoint]:
        RecordingArgs.seen = set()
        c.get(url)
        assert RecordingArgs.seen <= documented, (url, RecordingArgs.seen - documented)


def _validator(doc: dict, ref: str) -> Draft202012Validator:
    registry = Registry().with_resource(DOC_URI, Resource.from_contents(
        doc, default_specification=DRAFT202012))
    return Draft202012Validator({"$ref": DOC_URI + ref}, registry=registry)


@pytest.mark.parametrize("endpoint", sorted(SAMPLES))
def test_real_responses_match_the_documented_schemas(app, doc, endpoint):
    rule = next(r for r in api_rules(app) if r.endpoint == endpoint)
    path = doc_path(rule.rule)
    op = doc["paths"][path].get("get", {"responses": {}})
    c = app.test_client()
    for url in SAMPLES[endpoint]:
        r = c.get(url)
        status = str(r.status_code)
        assert status in op["responses"], (url, status, "status not documented")
        content = op["responses"][status]["content"]
        assert r.mimetype in content, (url, r.mimetype)
        if r.mimetype != "application/json":
            continue
        ref = f"#/paths/{path.replace('/', '~1')}/get/responses/{status}/content/" \
              "application~1json/schema"
        errors = list(_validator(doc, ref).iter_errors(r.get_json()))
        assert not errors, (url, [e.message for e in errors[:3]])
        if r.mimetype == "application/json" and r.status_code == 304:
            pytest.fail("304 must have no body")


def test_docs_page_lists_every_path_without_external_assets(app, doc):
    page = app.test_client().get("/api/docs").get_data(as_text=True)
    for path in doc["paths"]:
        assert path in page
    assert not re.search(r'(src|href)="https?://', page)


def test_rate_limited_answers_are_documented(search_index, doc):
    app = create_app({"INDEX_DIR": str(search_index.root), "TESTING": True, "WARM": False,
                      "RATE_LIMIT_ENABLED": True, "RATE_LIMIT": "1/minute"})
    c = app.test_client()
    for rule in api_rules(app):
        path = doc_path(rule.rule)
        for method, op in doc["paths"][path].items():
            assert ("429" in op["responses"]) == (rule.rule != "/api/health"), (path, method)
    c.get("/api/search?q=phong")
    r = c.get("/api/search?q=phong")
    assert r.status_code == 429
    ref = "#/paths/~1search/get/responses/429/content/application~1json/schema"
    assert not list(_validator(doc, ref).iter_errors(r.get_json()))


# ------------------------------------------------------------------ Schemathesis, live
SCHEMATHESIS_EXAMPLES = 8  # per operation and phase: about 300 requests, well under a minute


@pytest.fixture(scope="module")
def unlimited_server(search_index, tmp_path_factory, monkeypatch_module):
    """gunicorn as ``newssearch serve`` runs it, rate limits off (generated requests come fast
    from one client; the limits have their own tests)."""
    from browser_fixtures import start_gunicorn, stop

    monkeypatch_module.setenv("NEWSSEARCH_RATE_LIMIT_ENABLED", "0")
    server = start_gunicorn(search_index.root, tmp_path_factory.mktemp("st") / "log", workers=1)
    yield server
    stop(server)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


@pytest.mark.system
def test_schemathesis_finds_no_failure(unlimited_server, tmp_path):
    """Every check of Schemathesis (``--checks all``) over generated requests, valid and not,
    against the live API: the document describes the API exactly (tests/schemathesis.toml
    says why 414 counts as a refusal)."""
    st = Path(sys.executable).with_name("st")
    config = Path(__file__).with_name("schemathesis.toml")
    run = subprocess.run(
        [str(st), "--no-color", "--config-file", str(config), "run",
         unlimited_server.url + "/api/openapi.json", "--checks", "all",
         "--max-examples", str(SCHEMATHESIS_EXAMPLES), "--workers", "1", "--seed", "23"],
        check=False, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
