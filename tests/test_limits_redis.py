"""Rate limits through a real shared store (web/limits.py): a redis-server started for the
session on a free loopback port (Debian's package, installed when missing), two app instances
counting one client's requests together as two gunicorn workers or two replicas would, a real
gunicorn with two workers over it, and what requests get when the store is down or hangs."""

from __future__ import annotations

import logging
import signal
import socket
import subprocess
import threading
import time
import urllib.error
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from browser_fixtures import free_port, start_gunicorn, stop
from procs import stop_process
from syspkg import require

from newssearch.web import create_app

redis = pytest.importorskip("redis", reason="pip install -e '.[test]' installs the client")

BOOT_SECONDS = 10
API = "/api/search?q=phong"


class RedisServer:
    """A redis-server on a loopback port (the same after a restart), no persistence, in its own
    directory."""

    def __init__(self, binary: str, root: Path):
        self.binary, self.root, self.port = binary, root, free_port()
        self.url = f"redis://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        with (self.root / "redis.log").open("ab") as log:
            self.proc = subprocess.Popen(
                [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", str(self.root), "--daemonize", "no"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        client = self.client()
        deadline = time.monotonic() + BOOT_SECONDS
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server did not answer: {(self.root / 'redis.log').read_text()}")

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc, signal.SIGTERM, 10)

    def client(self) -> redis.Redis:
        """From the URL, as the app's store does: no retries with back-off, unlike Redis()."""
        return redis.Redis.from_url(self.url, socket_connect_timeout=1)

    def keys(self) -> list[bytes]:
        return self.client().keys("LIMITS*")


def started(tmp_path_factory: pytest.TempPathFactory) -> RedisServer:
    server = RedisServer(require("redis-server"), tmp_path_factory.mktemp("redis"))
    server.start()
    return server


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    server = started(tmp_path_factory)
    yield server
    server.stop()


@pytest.fixture
def own_redis(tmp_path_factory):
    """A server of the test's own, which it may stop and start again."""
    server = started(tmp_path_factory)
    yield server
    server.stop()


def limited_app(root, storage: str, limit: str = "4/minute", **config):
    return create_app({"INDEX_DIR": str(root), "WARM": False, "RATE_LIMIT_ENABLED": True,
                       "RATE_LIMIT": limit, "RATE_LIMIT_STORAGE": storage, **config})


def spread(clients: list, path: str, addr: str, n: int) -> list[int]:
    """``n`` requests from one client address, taking turns over ``clients``."""
    env = {"REMOTE_ADDR": addr}
    return [clients[i % len(clients)].get(path, environ_base=env).status_code for i in range(n)]


def closed_port_url() -> str:
    return f"redis://127.0.0.1:{free_port()}"  # nothing listens there


# ------------------------------------------------------------------------- one shared budget
def test_two_apps_share_one_budget_in_redis(redis_server, search_index) -> None:
    apps = [limited_app(search_index.root, redis_server.url) for _ in range(2)]
    clients = [a.test_client() for a in apps]
    addr = "198.51.100.7"
    assert spread(clients, API, addr, 4) == [200] * 4
    for c in clients:  # the budget is spent, whichever instance is asked
        resp = c.get(API, environ_base={"REMOTE_ADDR": addr})
        assert resp.status_code == 429
        assert resp.json["error"]["code"] == "rate_limited" and resp.json["error"]["message"]
        assert int(resp.headers["Retry-After"]) > 0
    assert redis_server.keys(), "the counts are in Redis"
    # Another client has its own budget, on both instances.
    assert spread(clients, API, "198.51.100.8", 4) == [200] * 4
    # The widget's iframe likewise: one budget over both instances, HTML 429 with Retry-After.
    widget = f"/widget/related/{search_index.articles[0].id}"
    assert spread(clients, widget, "198.51.100.9", 4) == [200] * 4
    resp = clients[1].get(widget, environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert resp.status_code == 429 and resp.mimetype == "text/html"
    assert int(resp.headers["Retry-After"]) > 0


def test_in_memory_counts_per_instance(search_index) -> None:
    """The contrast: memory:// gives each instance (worker) its own budget."""
    clients = [limited_app(search_index.root, "memory://").test_client() for _ in range(2)]
    assert spread(clients, API, "198.51.100.7", 8) == [200] * 8
    assert spread(clients, API, "198.51.100.7", 2) == [429] * 2


def test_gunicorn_workers_share_the_budget_and_survive_the_store_going_down(
        own_redis, search_index, tmp_path, monkeypatch) -> None:
    for key, value in {"ENABLED": "1", "": "5/minute", "STORAGE": own_redis.url}.items():
        monkeypatch.setenv("NEWSSEARCH_RATE_LIMIT" + (f"_{key}" if key else ""), value)
    server = start_gunicorn(search_index.root, tmp_path / "gunicorn.log", workers=2)

    def status(path: str) -> int:
        try:  # a new connection each time: the kernel hands it to either worker
            with server.get(path) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code

    def at_once(paths: list[str]) -> list[int]:
        """Concurrent requests, so that both workers take some."""
        with ThreadPoolExecutor(6) as pool:
            return sorted(pool.map(status, paths))

    ours = own_redis.client()

    def workers_on_redis() -> int:
        """Connections that have counted a request (the master's start-up check only pings);
        a worker's threads may hold one each."""
        return sum(c["id"] != str(ours.client_id()) and c["cmd"] != "ping"
                   for c in ours.client_list())

    try:
        for _ in range(30):  # bounded: until each worker has counted a request in Redis
            if workers_on_redis() >= 2:
                break
            at_once(["/api/stats"] * 6)
        assert workers_on_redis() >= 2, ours.client_list()
        assert at_once([API] * 12) == [200] * 5 + [429] * 7
        own_redis.stop()
        codes = at_once([f"/api/suggest?q=ph{i}" for i in range(6)])
        assert codes in ([200] * 6, [200] * 5 + [429]), codes  # each worker counts alone now
        assert "Rate limit storage unreachable" in server.log.read_text()
    finally:
        stop(server)


# ------------------------------------------------------------------------- store down or hung
def test_store_stopped_then_back(own_redis, search_index, caplog) -> None:
    c = limited_app(search_index.root, own_redis.url, "3/minute").test_client()
    addr = "198.51.100.20"
    with caplog.at_level(logging.INFO):
        assert spread([c], API, addr, 2) == [200] * 2  # counted in Redis
        own_redis.stop()
        # Still answered; this instance now counts on its own, from zero.
        assert spread([c], API, addr, 4) == [200] * 3 + [429]
        assert "storage unreachable" in caplog.text
        own_redis.start()
        deadline = time.monotonic() + 40  # probes after 1, 2, 4 ... s
        while "storage recovered" not in caplog.text and time.monotonic() < deadline:
            assert c.get(API, environ_base={"REMOTE_ADDR": addr}).status_code in (200, 429)
            time.sleep(0.2)
    assert "storage recovered" in caplog.text
    assert own_redis.keys(), "counting in Redis again"


@pytest.mark.parametrize("mode, expected, logged", [
    ("memory", [200] * 3 + [429] * 2, "storage unreachable - falling back to in-memory"),
    ("open", [200] * 5, "Failed to rate limit. Swallowing error"),
])
def test_unreachable_store_never_fails_a_request(search_index, mode, expected, logged,
                                                 caplog) -> None:
    app = limited_app(search_index.root, closed_port_url(), "3/minute",
                      RATE_LIMIT_STORE_DOWN=mode)
    with caplog.at_level(logging.WARNING):
        assert spread([app.test_client()], API, "198.51.100.30", 5) == expected
    assert logged in caplog.text


def test_hung_store_times_out_instead_of_hanging(search_index) -> None:
    """A store that accepts connections and never answers: the request is answered anyway."""
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(8)  # connections complete in the backlog; nothing is ever read or sent
        url = f"redis://127.0.0.1:{hung.getsockname()[1]}"
        c = limited_app(search_index.root, url).test_client()
        codes: list[int] = []
        t = threading.Thread(target=lambda: codes.append(c.get(API).status_code), daemon=True)
        t.start()
        t.join(30)  # without a socket timeout redis-py would wait forever
        assert codes == [200]


# ------------------------------------------------------------------------- bad settings
def test_bad_store_settings_are_clear_errors(search_index) -> None:
    with pytest.raises(ValueError, match="RATE_LIMIT_STORE_DOWN must be one of memory, open"):
        limited_app(search_index.root, "memory://", RATE_LIMIT_STORE_DOWN="sometimes")
    with pytest.raises(ValueError, match=r"RATE_LIMIT_STORAGE nosuch://\.\.\.") as err:
        limited_app(search_index.root, "nosuch://user:s3cret@host")
    assert "s3cret" not in str(err.value)
