"""Faults with real processes: SIGKILL at random points of rebuilds and updates, the parent
killed alone, two runs at once, unreadable, missing or damaged index files, disk full.

Each run is a real ``newssearch index`` process forked from a warm "zygote" (imports and
pyvi's model loaded once), so a kill point costs the indexing work only. Kill times are
drawn from a seeded generator (``FAULT_SEED``, default 10), so a failure reproduces.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import SAMPLE_DIR

from newssearch.errors import IndexLockedError, IndexProblem
from newssearch.index.store import KEEP_BUILDS, WriteLock, current_build, open_build
from newssearch.search import SearchEngine

SEED = int(os.environ.get("FAULT_SEED", "10"))
REBUILD_KILLS = 20
UPDATE_KILLS = 10
RUN_TIMEOUT = 120

# The zygote: reads one JSON command a line, forks a child per command that runs the CLI with
# fault hooks, and reports "pid N" then "exit N CODE" (CODE negative: killed by that signal).
ZYGOTE = r'''
import json, os, signal, sys, threading
from newssearch.text import analysis
from newssearch.index import writer as indexer
from newssearch.cli.app import main

analysis.warm_up()
out_lock = threading.Lock()

def say(*parts):
    with out_lock:
        print(*parts, flush=True)

def hooks(cmd):
    if "parallel_min" in cmd:
        indexer.PARALLEL_MIN = cmd["parallel_min"]
    kill, sleep = cmd.get("kill_replace"), cmd.get("sleep_replace")
    if not kill and not sleep:
        return
    real, calls = os.replace, [0]
    def replace(*a, **k):
        calls[0] += 1
        if sleep and calls[0] == 1:
            import time; time.sleep(sleep)
        if kill and calls[0] == kill[0] and kill[1] == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        r = real(*a, **k)
        if kill and calls[0] == kill[0] and kill[1] == "after":
            os.kill(os.getpid(), signal.SIGKILL)
        return r
    os.replace = replace

def reap(pid):
    _, status = os.waitpid(pid, 0)
    say("exit", pid, os.waitstatus_to_exitcode(status))

say("ready")
for line in sys.stdin:
    cmd = json.loads(line)
    pid = os.fork()
    if pid == 0:
        os.setsid()
        fd = os.open(cmd["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        hooks(cmd)
        code = 0
        try:
            main(cmd["args"])
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    say("pid", pid)
    threading.Thread(target=reap, args=(pid,), daemon=True).start()
'''


class Zygote:
    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.proc = subprocess.Popen([sys.executable, "-c", ZYGOTE], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, bufsize=1)
        self.exits: dict[int, int] = {}
        self.pids: list[int] = []
        self.cond = threading.Condition()
        line = self.proc.stdout.readline()
        assert line.strip() == "ready", line
        threading.Thread(target=self._read, daemon=True).start()
        self.n = 0

    def _read(self) -> None:
        for line in self.proc.stdout:
            kind, pid, *rest = line.split()
            with self.cond:
                if kind == "pid":
                    self.pids.append(int(pid))
                else:
                    self.exits[int(pid)] = int(rest[0])
                self.cond.notify_all()

    def start(self, args: list[str], **hooks) -> Run:
        self.n += 1
        log = self.workdir / f"run{self.n}.log"
        with self.cond:
            before = len(self.pids)
            self.proc.stdin.write(json.dumps({"args": args, "log": str(log), **hooks}) + "\n")
            self.proc.stdin.flush()
            assert self.cond.wait_for(lambda: len(self.pids) > before, timeout=30)
            return Run(self, self.pids[before], log)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


class Run:
    def __init__(self, zygote: Zygote, pid: int, log: Path):
        self.zygote, self.pid, self.log, self.t0 = zygote, pid, log, time.monotonic()

    def wait(self, timeout: float = RUN_TIMEOUT) -> int:
        z = self.zygote
        with z.cond:
            assert z.cond.wait_for(lambda: self.pid in z.exits, timeout=timeout), self.output
            return z.exits[self.pid]

    @property
    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def kill(self) -> int:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        return self.wait()


def session_members(sid: int) -> list[int]:
    """Live (non-zombie) processes of session ``sid``: a run and everything it forked."""
    found = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            stat = Path(f"/proc/{d}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[3]) == sid:
            found.append(int(d))
    return found


def assert_all_gone(sid: int, within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while (left := session_members(sid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not left, f"processes of the killed run still alive: {left}"


def assert_lock_free(root: Path) -> None:
    try:
        with WriteLock(root):
            pass
    except IndexLockedError as e:
        pytest.fail(f"the lock outlived the killed run: {e}")


def doc_count(root: Path) -> int:
    _, ix = open_build(root)
    with ix.searcher() as s:
        return s.doc_count()


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                    encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def records() -> list[dict]:
    with gzip.open(SAMPLE_DIR / "dantri.jsonl.gz", "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f][:120]


@pytest.fixture(scope="module")
def zygote(tmp_path_factory):
    z = Zygote(tmp_path_factory.mktemp("zygote"))
    yield z
    z.close()


@pytest.fixture(scope="module")
def corpora(tmp_path_factory, records):
    d = tmp_path_factory.mktemp("corpora")
    return {"old": write_jsonl(d / "old.jsonl", records[:12]),
            "new": write_jsonl(d / "new.jsonl", records[12:28]),
            "big": write_jsonl(d / "big.jsonl", records[:40]),
            "many": write_jsonl(d / "many.jsonl", records)}


def index(zygote: Zygote, root: Path, corpus: Path, *extra: str, **hooks) -> Run:
    return zygote.start(["index", "-q", "--procs", "1", "--index", str(root), str(corpus),
                         *extra], **hooks)


@pytest.fixture
def old_index(zygote, corpora, tmp_path) -> Path:
    root = tmp_path / "index"
    run = index(zygote, root, corpora["old"], "--rebuild")
    assert run.wait() == 0, run.output
    return root


# ------------------------------------------------------------------------- rebuilds
def test_rebuild_killed_at_20_points(zygote, corpora, old_index: Path) -> None:
    root = old_index
    timing = index(zygote, root, corpora["new"], "--rebuild")  # also: a rebuild works
    assert timing.wait() == 0, timing.output
    span = time.monotonic() - timing.t0
    assert doc_count(root) == 16
    rng = random.Random(SEED)
    # Precise points around every rename (meta, manifest, CURRENT), then random times.
    points: list[dict] = [{"kill_replace": [n, w]} for n in (1, 2, 3) for w in ("before",
                                                                                "after")]
    # (A later run may be faster than the timed one: the draws stop short of its end.)
    points += [{"delay": rng.uniform(0.0, 0.75 * span)}
               for _ in range(REBUILD_KILLS - len(points))]
    killed = 0
    for p in points:
        before = current_build(root)
        expected_before = doc_count(root)
        corpus = corpora["old"] if expected_before == 16 else corpora["new"]
        want_after = 12 if corpus == corpora["old"] else 16
        run = index(zygote, root, corpus, "--rebuild",
                    **{k: v for k, v in p.items() if k != "delay"})
        if "delay" in p:
            time.sleep(p["delay"])
            code = run.kill()
        else:
            code = run.wait()
        assert code in (0, -signal.SIGKILL), (p, code, run.output)
        killed += code == -signal.SIGKILL
        assert_all_gone(run.pid)
        assert_lock_free(root)
        now = current_build(root)
        n = doc_count(root)  # the live build answers, whole
        if now == before:
            assert n == expected_before, (p, n)
        else:
            assert n == want_after, (p, n)
        assert SearchEngine(root).search("Việt Nam").total > 0
    print(f"\nrebuild: {killed} of {len(points)} runs killed mid-way (seed {SEED}), "
          f"old or new index whole after each")
    assert killed >= REBUILD_KILLS * 3 // 4, f"only {killed} runs were killed mid-way"
    # The next rebuild needs no cleanup, and leftovers of killed builds are gone after it.
    final = index(zygote, root, corpora["old"], "--rebuild")
    assert final.wait() == 0, final.output
    assert doc_count(root) == 12
    assert len(list((root / "builds").iterdir())) <= KEEP_BUILDS


def test_parent_killed_alone_takes_its_workers_along(zygote, corpora, old_index) -> None:
    """A cron or an operator kills the main process only: its writer processes must follow,
    and the lock must be free for the next run, which completes."""
    root = old_index
    run = zygote.start(["index", "-q", "--procs", "2", "--index", str(root),
                        str(corpora["many"]), "--rebuild"], parallel_min=1)
    deadline = time.monotonic() + 60
    while len(session_members(run.pid)) < 3:  # the parent and its two writer processes
        assert time.monotonic() < deadline, "the parallel rebuild never forked workers"
        assert run.pid not in run.zygote.exits, run.output
        time.sleep(0.02)
    workers = [p for p in session_members(run.pid) if p != run.pid]
    os.kill(run.pid, signal.SIGKILL)  # the parent alone
    assert run.wait() == -signal.SIGKILL
    # At once: left alone, Whoosh's writer tasks go on with their queued work (minutes on a
    # big corpus) holding the inherited lock.
    assert_all_gone(run.pid, within=2.0)
    assert workers and not [p for p in workers if Path(f"/proc/{p}").exists()
                            and "Z" not in Path(f"/proc/{p}/stat").read_text().split()[2]]
    assert_lock_free(root)
    assert doc_count(root) == 12
    nxt = index(zygote, root, corpora["new"], "--rebuild")
    assert nxt.wait(timeout=RUN_TIMEOUT) == 0, nxt.output
    assert doc_count(root) == 16


# ------------------------------------------------------------------------- updates
def test_update_killed_at_10_points(zygote, records, old_index, tmp_path) -> None:
    base = old_index
    old = {r["id"]: r for r in records[:12]}
    changed = [{**r, "title": r["title"] + " (cập nhật)"} for r in records[:6]]
    added = records[28:34]
    update = write_jsonl(tmp_path / "update.jsonl", changed + records[6:12] + added)
    new_titles = {r["id"]: r["title"] for r in changed + added}
    timing_root = tmp_path / "timing"
    shutil.copytree(base, timing_root)
    timing = index(zygote, timing_root, update)
    assert timing.wait() == 0, timing.output
    span = time.monotonic() - timing.t0
    rng = random.Random(SEED + 1)
    killed = 0
    for i in range(UPDATE_KILLS):
        root = tmp_path / f"u{i}"
        shutil.copytree(base, root)
        run = index(zygote, root, update)
        time.sleep(rng.uniform(0.0, 0.75 * span))
        code = run.kill()
        killed += code == -signal.SIGKILL
        assert_all_gone(run.pid)
        assert_lock_free(root)
        eng = SearchEngine(root)
        for rid, rec in old.items():  # every old article: its old or its new version
            a = eng.article(rid)
            assert a is not None, (i, rid)
            assert a.title in (rec["title"], new_titles.get(rid, rec["title"])), (i, rid)
        for r in added:  # a new one: absent or whole
            a = eng.article(r["id"])
            assert a is None or a.title == r["title"]
        again = index(zygote, root, update)  # the re-run completes the update
        assert again.wait() == 0, again.output
        eng = SearchEngine(root)
        assert doc_count(root) == 18
        assert all(eng.article(rid).title == t for rid, t in new_titles.items())
        assert eng.search("cập nhật").total >= len(changed)
    print(f"\nupdate: {killed} of {UPDATE_KILLS} runs killed mid-way (seed {SEED + 1}), "
          f"0 articles lost, each re-run completed")
    assert killed >= UPDATE_KILLS // 2, f"only {killed} updates were killed mid-way"


# ------------------------------------------------------------------------- two writers
def test_second_run_waits_with_wait_or_refuses_naming_the_holder(zygote, corpora,
                                                                 old_index) -> None:
    root = old_index
    first = index(zygote, root, corpora["new"], "--rebuild", sleep_replace=4.0)
    deadline = time.monotonic() + 60
    while (root / ".lock").read_text().strip() != str(first.pid):
        assert time.monotonic() < deadline, first.output
        time.sleep(0.05)
    refused = index(zygote, root, corpora["old"], "--rebuild")
    assert refused.wait() == 1, refused.output
    assert f"pid {first.pid}" in refused.output and str(root) in refused.output
    assert "Traceback" not in refused.output
    waiting = index(zygote, root, corpora["old"], "--rebuild", "--wait")
    assert first.wait() == 0, first.output
    assert waiting.wait() == 0, waiting.output
    assert f"waiting for pid {first.pid}" in waiting.output
    assert doc_count(root) == 12  # the waiting run went last, on an intact index


# ------------------------------------------------------------------------- broken files
def cli(*args: str, as_reader: bool = False) -> subprocess.CompletedProcess:
    """Run the CLI; ``as_reader``: where we are root, without the capabilities that let root
    read any file, so a mode 000 directory is unreadable to it as to any service account."""
    cmd = [sys.executable, "-m", "newssearch.cli", *args]
    if as_reader and os.geteuid() == 0:
        cmd = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=RUN_TIMEOUT,
                          check=False)


def assert_clear_error(proc: subprocess.CompletedProcess, path: Path) -> None:
    assert proc.returncode != 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert str(path) in proc.stderr, proc.stderr


def test_unreadable_index_is_a_clear_error(old_index) -> None:
    for path, codes in ((old_index / "CURRENT", (1,)), (old_index, (1, 2))):
        path.chmod(0o000)
        try:
            proc = cli("search", "Việt Nam", "--index", str(old_index), as_reader=True)
        finally:
            path.chmod(0o755)
        assert proc.returncode in codes, (path, proc.returncode, proc.stderr)
        assert_clear_error(proc, path)
    assert doc_count(old_index) == 12


def test_missing_current_is_a_clear_error(old_index) -> None:
    (old_index / "CURRENT").unlink()
    proc = cli("search", "Việt Nam", "--index", str(old_index))
    assert proc.returncode == 1
    assert_clear_error(proc, old_index)
    assert "No index" in proc.stderr


def test_corrupted_segment_is_a_clear_error_and_a_rebuild_repairs_it(zygote, corpora,
                                                                     old_index) -> None:
    root = old_index
    build = current_build(root)
    seg = next(build.path.glob("*.seg"))
    data = bytearray(seg.read_bytes())
    for off in range(0, len(data), 4096):
        data[off:off + 64] = b"\xff" * 64
    seg.write_bytes(bytes(data))
    proc = cli("search", "Việt Nam", "--index", str(root))
    assert proc.returncode == 1
    assert_clear_error(proc, build.path)
    with pytest.raises(IndexProblem, match=str(build.path)):
        SearchEngine(root).search("Việt Nam")
    fixed = index(zygote, root, corpora["old"], "--rebuild")  # a rebuild repairs it
    assert fixed.wait() == 0, fixed.output
    assert doc_count(root) == 12


def test_disk_full_leaves_the_old_index_serving(zygote, corpora, old_index, tmp_path) -> None:
    """A size-limited tmpfs, filled up to about the old index's size, so the rebuild's new
    build cannot fit."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    mounted = os.geteuid() == 0 and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", str(mnt)],
        capture_output=True, check=False).returncode == 0
    try:
        root = mnt / "index"
        shutil.copytree(old_index, root)
        used = sum(f.stat().st_size for f in root.rglob("*") if f.is_file())
        if not mounted:
            pytest.skip("cannot mount a tmpfs here (needs root and mount rights)")
        filler = mnt / "filler"
        free = shutil.disk_usage(mnt).free
        filler.write_bytes(b"\0" * max(0, free - used))  # leave about the old index's size
        run = index(zygote, root, corpora["big"], "--rebuild")
        assert run.wait() == 1, run.output
        assert "Traceback" not in run.output and str(root) in run.output
        assert "unchanged" in run.output
        assert doc_count(root) == 12 and SearchEngine(root).search("Việt Nam").total > 0
        assert [p.name for p in (root / "builds").iterdir()] == [current_build(root).name]
        filler.unlink()  # space again: the same rebuild now succeeds, nothing to clean
        again = index(zygote, root, corpora["big"], "--rebuild")
        assert again.wait() == 0, again.output
        assert doc_count(root) == 40
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(mnt)], check=False)
