"""The worker ``newssearch serve`` runs (``web/worker.py``), against a real gunicorn with the
package's config on the sample index: idle and slow clients hold no thread (a search still
answers while they are open), the server closes them within its timeouts, and past the
per-worker connection bound a new connection gets a clear 503. Counts and timeouts, no
latencies."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error

import pytest
from browser_fixtures import start_gunicorn, stop

HEADER_TIMEOUT = 3
KEEPALIVE = 1
SLACK = 5.0  # the worker's loop checks deadlines once a second; a loaded machine adds more
SEARCH = "/api/search?q=b%C3%B3ng%20%C4%91%C3%A1"


def port_of(server) -> int:
    return int(server.url.rsplit(":", 1)[1])


def open_idle(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=30)


def open_slow(port: int) -> socket.socket:
    """A client that sends half a request head and then a byte now and then."""
    s = open_idle(port)
    s.sendall(b"GET /api/search?q=tin HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    return s


def drip(socks: list[socket.socket], stop_event: threading.Event) -> None:
    while not stop_event.wait(0.5):
        for s in socks:
            try:
                s.send(b"a")
            except OSError:
                pass


def closed_within(s: socket.socket, seconds: float) -> tuple[bool, bytes]:
    """Whether the server closed ``s`` within ``seconds`` (EOF or reset), and what it sent."""
    s.settimeout(seconds)
    got = b""
    try:
        while chunk := s.recv(4096):
            got += chunk
    except TimeoutError:
        return False, got
    except ConnectionResetError:
        pass
    return True, got


def get(server, path: str) -> tuple[int, dict, dict]:
    try:
        with server.get(path, timeout=30) as r:
            return r.status, dict(r.headers), json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), json.loads(e.read())


@pytest.fixture
def server(search_index, tmp_path):
    srv = start_gunicorn(search_index.root, tmp_path / "gunicorn.log", workers=2, env={
        "NEWSSEARCH_HEADER_TIMEOUT": str(HEADER_TIMEOUT), "NEWSSEARCH_KEEPALIVE": str(KEEPALIVE),
        "NEWSSEARCH_MAX_CONNECTIONS": "60", "NEWSSEARCH_RATE_LIMIT_ENABLED": "0"})
    yield srv
    stop(srv)


def test_idle_and_slow_clients_do_not_stall_searches_and_are_closed(server):
    port = port_of(server)
    idle = [open_idle(port) for _ in range(30)]
    slow = [open_slow(port) for _ in range(12)]
    stop_drip = threading.Event()
    dripper = threading.Thread(target=drip, args=(slow, stop_drip), daemon=True)
    dripper.start()
    opened = time.monotonic()
    try:
        statuses = [get(server, SEARCH)[0] for _ in range(20)]
        assert statuses == [200] * 20
        waited = time.monotonic() - opened
        for s in idle:
            closed, got = closed_within(s, max(0.1, HEADER_TIMEOUT + SLACK - waited))
            assert closed and got == b""  # nothing was asked: closed without an answer
        for s in slow:
            closed, got = closed_within(s, max(0.1, HEADER_TIMEOUT + SLACK
                                               - (time.monotonic() - opened)))
            assert closed, "a slow client's connection stayed open past HEADER_TIMEOUT"
            assert got.startswith(b"HTTP/1.1 408 ")
    finally:
        stop_drip.set()
        dripper.join()
        for s in idle + slow:
            s.close()
    assert get(server, SEARCH)[0] == 200


def test_an_idle_kept_alive_connection_is_closed_after_keepalive(server):
    s = open_idle(port_of(server))
    s.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
    s.settimeout(30)
    head = s.recv(65536)
    assert head.startswith(b"HTTP/1.1 200 ")
    closed, _ = closed_within(s, KEEPALIVE + SLACK)
    assert closed
    s.close()


def test_past_the_connection_bound_a_clear_503_then_service_again(search_index, tmp_path):
    bound = 8
    srv = start_gunicorn(search_index.root, tmp_path / "gunicorn.log", workers=1, env={
        "NEWSSEARCH_MAX_CONNECTIONS": str(bound), "NEWSSEARCH_HEADER_TIMEOUT": "30"})
    held: list[socket.socket] = []
    try:
        held = [open_idle(port_of(srv)) for _ in range(bound)]
        deadline = time.monotonic() + 20
        while True:  # answered until the worker's loop has accepted all the held ones
            status, headers, body = get(srv, SEARCH)
            if status != 200 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert status == 503
        assert body["error"]["code"] == "busy" and "connections" in body["error"]["message"]
        assert headers["Retry-After"] == "1"
        for s in held:
            s.close()
        deadline = time.monotonic() + 10
        while (status := get(srv, SEARCH)[0]) == 503 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert status == 200
    finally:
        for s in held:
            s.close()
        stop(srv)


def test_an_endless_head_is_refused_431_without_a_thread(server):
    s = open_idle(port_of(server))
    s.sendall(b"GET / HTTP/1.1\r\n")
    try:
        for _ in range(120):  # 960 KB of headers that never end
            s.sendall(b"X-Pad: " + b"a" * 8000 + b"\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered and closed while we were still sending
    closed, got = closed_within(s, 10)
    s.close()
    assert closed and got.startswith(b"HTTP/1.1 431 ")
    assert get(server, SEARCH)[0] == 200
