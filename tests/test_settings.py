"""The settings table: values parsed one way with one message for a bad value, and the docs
listing every row."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from newssearch import settings
from newssearch.cli import main
from newssearch.errors import SettingError

DOC = Path(__file__).resolve().parents[1] / "docs" / "settings.md"


def test_docs_list_every_setting_with_its_variable_and_default():
    rows = {m.group(1): m.group(0) for m in
            re.finditer(r"^\| `(\w+)` \| `(\w+)` \|.*$", DOC.read_text(encoding="utf-8"), re.MULTILINE)}
    assert set(rows) == {s.name for s in settings.SETTINGS}
    for s in settings.SETTINGS:
        assert f"`{s.env}`" in rows[s.name]


def test_environment_wins_over_default_and_overrides_win_over_both():
    env = {"NEWSSEARCH_PER_PAGE": "25", "NEWSSEARCH_WARM": "off"}
    got = settings.load({"LATEST": 3}, environ=env)
    assert got["PER_PAGE"] == 25 and got["WARM"] is False and got["LATEST"] == 3
    assert got["INDEX_DIR"] == "index"


def test_empty_means_default_except_where_it_means_none():
    env = {"NEWSSEARCH_INDEX": "", "NEWSSEARCH_ACCESS_LOG": ""}
    assert settings.get("INDEX_DIR", env) == "index"
    assert settings.get("ACCESS_LOG", env) == ""


@pytest.mark.parametrize(("env", "raw", "message"), [
    ("NEWSSEARCH_PER_PAGE", "ten", "NEWSSEARCH_PER_PAGE must be a whole number, not 'ten'"),
    ("NEWSSEARCH_PER_PAGE", "0", "NEWSSEARCH_PER_PAGE must be at least 1, not 0"),
    ("NEWSSEARCH_WARM", "maybe", "NEWSSEARCH_WARM must be 1 or 0"),
    ("NEWSSEARCH_LOG_LEVEL", "loud", "NEWSSEARCH_LOG_LEVEL must be one of debug"),
])
def test_a_bad_value_is_refused_naming_the_variable(env, raw, message):
    name = next(s.name for s in settings.SETTINGS if s.env == env)
    with pytest.raises(SettingError, match=re.escape(message)):
        settings.get(name, {env: raw})


def test_the_cli_refuses_a_bad_setting_with_exit_2(monkeypatch):
    monkeypatch.setenv("NEWSSEARCH_MEMORY_MB", "lots")
    res = CliRunner().invoke(main, ["optimize", "--index", "/nonexistent"])
    assert res.exit_code == 2
    assert "NEWSSEARCH_MEMORY_MB must be a whole number, not 'lots'" in res.stderr


def test_the_app_refuses_a_bad_setting(monkeypatch, tmp_path):
    from newssearch.web import create_app

    monkeypatch.setenv("NEWSSEARCH_PER_PAGE", "many")
    with pytest.raises(SettingError, match="NEWSSEARCH_PER_PAGE"):
        create_app({"INDEX_DIR": str(tmp_path), "WARM": False})
