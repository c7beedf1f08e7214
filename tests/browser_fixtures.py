"""Fixtures for tests of the web app, registered by conftest.py (``pytest_plugins``).

- ``web_app``: ``create_app`` over the session's ``search_index`` (Flask test client use);
- ``live_server``: a real gunicorn, configured as ``newssearch serve`` configures it, on a free
  loopback port over ``search_index``; ``live_server.url`` is its base URL;
- ``browser``: headless Debian Chromium driven by Playwright (installed with apt-get when
  missing; the test skips with the reason only where that is impossible);
- ``page``: a fresh 1280x900 page of ``browser`` (closed after the test).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from procs import stop_process
from syspkg import require

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage"]
BOOT_SECONDS = 60


@pytest.fixture(scope="session")
def web_app(search_index):
    from newssearch.web import create_app

    return create_app({"INDEX_DIR": str(search_index.root), "TESTING": True})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    proc: subprocess.Popen
    log: Path

    def get(self, path: str, timeout: float = 10.0):
        return urllib.request.urlopen(self.url + path, timeout=timeout)


def start_gunicorn(index_root: Path, log: Path, workers: int = 2,
                   env: dict[str, str] | None = None) -> LiveServer:
    """gunicorn with the package's config module on a free loopback port, once it answers;
    ``env`` adds settings (``NEWSSEARCH_*``)."""
    port = free_port()
    env = {**os.environ, "NEWSSEARCH_INDEX": str(index_root),
           "NEWSSEARCH_BIND": f"127.0.0.1:{port}", "NEWSSEARCH_WORKERS": str(workers),
           **(env or {})}
    out = log.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:newssearch.web.gunicorn_conf",
         "newssearch.web:create_app()"], env=env, stdout=out, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL)
    server = LiveServer(f"http://127.0.0.1:{port}", proc, log)
    deadline = time.monotonic() + BOOT_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            with server.get("/api/health", timeout=2) as r:
                if r.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    stop(server)
    raise RuntimeError(f"gunicorn did not answer within {BOOT_SECONDS}s: {log.read_text()[-2000:]}")


def stop(server: LiveServer) -> None:
    """Quick shutdown (SIGINT); graceful stops are tested on their own."""
    stop_process(server.proc, signal.SIGINT, 20)


@pytest.fixture(scope="session")
def live_server(search_index, tmp_path_factory):
    server = start_gunicorn(search_index.root, tmp_path_factory.mktemp("gunicorn") / "log")
    yield server
    stop(server)


@pytest.fixture(scope="session")
def browser():
    require("chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()
