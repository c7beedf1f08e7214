"""Two ``newssearch serve`` replicas behind Debian's nginx, under load from a few threads,
while a new build is published to each in turn and one replica is stopped and restarted:
no request fails, and after the rollout every response carries the new index version."""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from cluster import Load, Nginx, Replica, free_port, get
from conftest import copy_index
from syspkg import require

from newssearch.cli.app import main
from newssearch.index.manifest import read_manifest
from newssearch.index.store import current_build
from newssearch.index.writer import update
from newssearch.ops.publish import published_name

MARKER = "Zyxolamba"  # only the article added by the rollout holds it
POLLS = 12  # health checks in a row on the new version: every worker has switched
CACHE_SECONDS = 1.0  # nginx keeps article JSON this long before revalidating it
# nginx's clock has one-second resolution, so an entry stored just before the last replica
# switched can be served as a HIT for up to two cache periods: wait that long, and a little.
CACHE_WAIT = 2 * CACHE_SECONDS + 0.5


def publish(src: Path, dest: Path) -> str:
    res = CliRunner().invoke(main, ["publish", "--index", str(src), "--to", str(dest)])
    assert res.exit_code == 0, res.output
    build = current_build(src)
    m = read_manifest(build.path)
    return f"{published_name(m)}.{m.generation}"


@dataclasses.dataclass
class Cluster:
    src: Path  # the index root builds are published from
    replicas: list[Replica]
    nginx: Nginx
    first: str  # the version published before the replicas started


@pytest.fixture(scope="module")
def cluster(sample_index, tmp_path_factory):
    """Started once for this module: the tests below run in order against it."""
    nginx_bin = require("nginx")
    tmp = tmp_path_factory.mktemp("replicas")
    src = copy_index(sample_index, tmp)
    roots = [tmp / "r1", tmp / "r2"]
    (first,) = {publish(src, r) for r in roots}  # the same version on both
    replicas = [Replica(r, free_port(), tmp / f"{r.name}.log") for r in roots]
    nginx = Nginx(nginx_bin, tmp / "nginx", free_port(), [r.port for r in replicas])
    try:
        for r in replicas:
            r.start()
        for r in replicas:
            assert r.wait_version() == first
        nginx.start()
        yield Cluster(src, replicas, nginx, first)
    finally:
        nginx.stop()
        for r in replicas:
            r.stop()


def test_rolling_publish_and_restart_through_nginx(cluster, sample_articles):
    src, replicas, nginx, old = cluster.src, cluster.replicas, cluster.nginx, cluster.first
    ids = [quote(a.id, safe="") for a in sample_articles[:20]]
    paths = [f"/api/search?q={quote(q)}&per_page=5" for q in
             ("phong tho", "Lai Châu", "bóng đá", "kinh tế", "giáo dục", MARKER)]
    paths += [f"/api/articles/{i}" for i in ids]
    load = Load(nginx.port, paths, threads=4)
    load.start()
    t0 = time.monotonic()
    time.sleep(2)

    # (a) a new build (one more article), published to each replica in turn.
    new_article = dataclasses.replace(sample_articles[1], id="rollout-1",
                                      title=f"Tin mới {MARKER} về Lai Châu")
    update(src, [new_article], procs=1)
    t_publish = time.monotonic()
    for r in replicas:
        new = publish(src, r.root)
        r.wait_version(new, timeout=30, polls=POLLS)
    rollout_seconds = time.monotonic() - t_publish
    time.sleep(CACHE_WAIT)
    t_done = time.monotonic()

    # (b) one replica stopped and brought back while the load goes on.
    replicas[0].stop()
    time.sleep(2)
    replicas[0].start()
    replicas[0].wait_version(new, timeout=60)
    time.sleep(2)
    samples = load.stop()
    elapsed = time.monotonic() - t0

    failed = [s for s in samples if s.status != 200]
    after = [s for s in samples if s.start >= t_done]
    stale = [s for s in after if s.version != new]
    hits = [s for s in samples if s.cache in ("HIT", "REVALIDATED")]
    print(f"\nrollout test: {len(samples)} requests in {elapsed:.1f}s through nginx, "
          f"{len(failed)} failed; publish -> both replicas on {new} in "
          f"{rollout_seconds:.2f}s; {len(after)} responses after the rollout, {len(stale)} "
          f"with another version; {len(hits)} served from nginx's cache; {nginx.retried()} "
          f"retried by nginx on the other replica")
    assert len(samples) > 100
    assert not failed, failed[:5]
    assert new != old and after and not stale, stale[:5]
    assert {s.version for s in samples} <= {old, new}
    assert hits and all(s.path.startswith("/api/articles/") for s in hits)

    status, _, body = get(nginx.port, f"/api/search?q={MARKER}")
    assert status == 200
    assert [h["id"] for h in json.loads(body)["hits"]] == ["rollout-1"]


def test_a_pinned_version_the_replica_no_longer_serves_is_409(cluster, sample_articles):
    src, replicas, nginx = cluster.src, cluster.replicas, cluster.nginx
    old = replicas[0].version()
    status, headers, _ = get(nginx.port, f"/api/search?q=phong+tho&v={old}")
    assert status == 200 and headers["x-index-version"] == old
    update(src, [dataclasses.replace(sample_articles[2], id="pin-1")], procs=1)
    for r in replicas:
        new = publish(src, r.root)
        r.wait_version(new, timeout=30, polls=POLLS)
    status, headers, body = get(nginx.port, f"/api/search?q=phong+tho&page=2&v={old}")
    assert status == 409 and headers["x-index-version"] == new
    assert json.loads(body)["error"]["code"] == "version_gone"
    status, headers, _ = get(nginx.port, f"/api/search?q=phong+tho&page=2&v={new}")
    assert status == 200 and headers["x-index-version"] == new
