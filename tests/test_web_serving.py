"""Production serving: a real gunicorn with the package's config over a private copy of the
small index. An index update is picked up without a restart; SIGHUP replaces the workers
without failing a request; the app (not gunicorn) answers a too-long /api URL with JSON."""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.error
from dataclasses import replace
from pathlib import Path

import pytest
from browser_fixtures import start_gunicorn, stop
from conftest import copy_index

from newssearch.index.writer import update


@pytest.fixture
def private_server(search_index, tmp_path):
    root = copy_index(search_index.root, tmp_path)
    server = start_gunicorn(root, tmp_path / "gunicorn.log")
    yield server, root
    stop(server)


def get_json(server, path: str) -> tuple[int, dict]:
    try:
        with server.get(path) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def workers(master: int) -> set[int]:
    return set(map(int, Path(f"/proc/{master}/task/{master}/children").read_text().split()))


def test_an_index_update_is_served_without_restart(private_server, search_index):
    server, root = private_server
    _, before = get_json(server, "/api/search?q=Quenzelo")
    _, health = get_json(server, "/api/health")
    a = search_index.by_id["x-ubnd"]
    update(root, [replace(a, id="x-new", title="Quenzelo mở thêm chi nhánh")], procs=1)
    deadline = time.monotonic() + 20
    seen = set()
    while time.monotonic() < deadline:  # every worker, whichever answers, sees it in time
        status, data = get_json(server, "/api/search?q=Quenzelo")
        assert status == 200
        seen.add(data["total"])
        if data["total"] == before["total"] + 1:
            break
        time.sleep(0.3)
    assert before["total"] + 1 in seen
    # Each worker switches when its own warm of the new generation is done: poll until the
    # one that answers /api/health has too.
    while True:
        _, after = get_json(server, "/api/health")
        if after["index_version"] != health["index_version"] or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert after["index_version"] != health["index_version"]
    assert after["articles"] == health["articles"] + 1


def test_sighup_replaces_workers_without_failing_requests(private_server):
    server, _ = private_server
    deadline = time.monotonic() + 30
    while len(workers(server.proc.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)  # health answered as soon as the first worker was up
    old = workers(server.proc.pid)
    assert len(old) == 2
    os.kill(server.proc.pid, signal.SIGHUP)
    statuses = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        statuses.append(get_json(server, "/api/search?q=b%C3%B3ng")[0])
        if len(statuses) > 20 and not workers(server.proc.pid) & old:
            break
    assert set(statuses) == {200}
    assert not workers(server.proc.pid) & old, "old workers still running after 30 s"


def test_too_long_api_url_is_json_414_through_gunicorn(live_server):
    status, data = get_json(live_server, "/api/search?q=" + "a" * 5000)
    assert status == 414 and data["error"]["code"] == "uri_too_long"
