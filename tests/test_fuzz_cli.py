"""Fuzzing every command and option of the CLI through click's CliRunner.

Whatever the arguments, a command ends with one of the documented exit statuses (0 ok,
1 failed, 2 usage, 3 skipped) and a message, never with an uncaught exception. ``serve``
only ever gets an index that does not exist, so it fails before it could exec gunicorn.
"""

from __future__ import annotations

import json
import math
import os

import pytest
from click.testing import CliRunner
from conftest import copy_index
from fuzzing import examples
from hypothesis import example, given
from hypothesis import strategies as st

from newssearch.cli.app import main

EXIT_CODES = {0, 1, 2, 3}
WEIRD = ["", " ", "-", "--", "nan", "-nan", "inf", "-inf", "1e309", "0", "-1", "1", "101",
         "99999999999999999999", "2020-02-30", "25/10/2020", "0001-01-01", "relevance",
         "newest", "oldest", '"', "-tag:x", "phong tho", "Phong Thổ", "\x00", "\ud800",
         "\u202e", "😀", "a" * 2000, "/nonexistent", "-"]
value = st.one_of(st.sampled_from(WEIRD), st.text(max_size=20))
SEARCH_OPTS = ["--tag", "--category", "--source", "--from", "--to", "--sort", "--limit",
               "--page", "--recency"]
FLAGS = ["--json", "-q", "--quiet", "--rebuild", "--help", "--version", "--bogus"]


def args_for(opts: list[str]):
    return st.lists(st.one_of(
        st.tuples(st.sampled_from(opts), value).map(list),
        st.sampled_from(FLAGS).map(lambda f: [f]),
        value.map(lambda v: [v]),
    ), max_size=5).map(lambda parts: [a for p in parts for a in p])


@pytest.fixture(scope="module")
def index(search_index, tmp_path_factory):
    """A private copy: the fuzzed ``delete`` and ``index`` commands may write to it."""
    return copy_index(search_index.root, tmp_path_factory.mktemp("fuzz_cli"))


def run(args: list[str]):
    # CliRunner passes arguments as given; a lone surrogate stands for an undecodable argv byte.
    result = CliRunner().invoke(main, args, catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code in EXIT_CODES, (args, result.exit_code, result.output)
    return result


@examples(0.25)
@given(args_for(SEARCH_OPTS), st.lists(value, min_size=1, max_size=3))
@example(["--recency", "nan"], ["phong", "tho"])
@example(["--recency", "inf"], ["phong"])
@example(["--recency", "-1"], ["phong"])
@example(["--from", "2020-02-30"], ["phong"])
@example(["--page", "99999999999999999999"], ["phong"])
@example([], ["\ud800"])
@example(["--json"], ["\ud800"])  # found: an undecodable argv byte crashed the JSON output
@example([], ["a" * 2000])
def test_search_options(index, opts: list[str], query: list[str]) -> None:
    run(["search", *query, "--index", str(index), *opts])


def test_recency_nan_is_a_usage_error(index) -> None:
    """Today's bug: NaN recency gave hits scored nan; a bad number is a usage error (2)."""
    for bad in ("nan", "inf", "-1"):
        r = CliRunner().invoke(main, ["search", "phong tho", "--index", str(index),
                                      "--recency", bad, "--json"])
        assert r.exit_code == 2, (bad, r.output)
    ok = CliRunner().invoke(main, ["search", "phong tho", "--index", str(index), "--json",
                                   "--recency", "0.5"])
    assert ok.exit_code == 0, ok.output
    hits = json.loads(ok.output)["hits"]
    assert hits and all(math.isfinite(h["score"]) for h in hits)


@examples(0.15)
@given(st.sampled_from(["stats", "delete", "parse", "index", "run-queries", "eval", "serve",
                        "nonsense", "--help"]),
       args_for(["--index", "--procs", "--k", "--out", "--run", "--host", "--port",
                 "--workers", "--json"]))
@example("serve", ["--port", "abc"])
@example("index", ["--procs", "0"])
@example("index", ["--procs", "-5"])
@example("delete", ["\x00"])
@example("run-queries", ["\x00"])  # found: click.Path stat()s a NUL (ValueError)
@example("run-queries", ["\ud800"])  # found: a lone surrogate (UnicodeEncodeError)
@example("index", ["--index"])  # found: a new index from nothing to ingest (AttributeError)
def test_other_commands(index, tmp_path_factory, command: str, args: list[str]) -> None:
    # Generated paths stay inside an empty directory: never walk "/" or the repository.
    args = [a for a in args if not (a.startswith(("/", "~")) or ".." in a
                                    or a.strip() in (".", "./"))]
    if command == "serve":
        args = [a for a in args if a != "--index"] + ["--index", "/nonexistent/index"]
    elif command in ("index", "delete", "stats", "run-queries", "eval"):
        args = [*args, "--index", str(index)]
    if command == "index":
        args = [a for a in args if a != "--rebuild"]  # a rebuild from junk paths is refused
    cwd = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("cwd"))
    try:
        run([command, *args])
    finally:
        os.chdir(cwd)
