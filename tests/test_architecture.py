"""The shape the style guide asks for, checked on every run: small modules, small classes,
no module importing another's private name, and data flowing one way (the library never
imports the web or CLI layers)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "newssearch"
MODULES = sorted(SRC.rglob("*.py"))
MAX_MODULE_LINES = 500
MAX_CLASS_LINES = 200


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _name(path: Path) -> str:
    return str(path.relative_to(SRC.parent))


def test_the_modules_are_found():
    assert len(MODULES) > 20 and SRC / "search" / "engine.py" in MODULES


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_module_is_small(path: Path):
    lines = path.read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_MODULE_LINES, f"{_name(path)} has {lines} lines: split it by job"


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_classes_are_small(path: Path):
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.ClassDef):
            span = node.end_lineno - node.lineno + 1
            assert span <= MAX_CLASS_LINES, f"{_name(path)}: class {node.name} spans {span} lines"


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_no_private_name_crosses_modules(path: Path):
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.ImportFrom) and not (node.module or "").startswith("__future__"):
            if (node.module or "").startswith("whoosh"):
                # Whoosh's private names are allowed in one module only (see its docstring).
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert not private or path.name == "whoosh_compat.py", (_name(path), private)
                continue
            for a in node.names:
                assert not (a.name.startswith("_") and not a.name.startswith("__")), (
                    f"{_name(path)}:{node.lineno} imports the private name "
                    f"{node.module}.{a.name}")


LAYERS = {"web", "cli", "commands"}  # the thin outer layers


@pytest.mark.parametrize("path", [p for p in MODULES
                                  if p.relative_to(SRC).parts[0].removesuffix(".py")
                                  not in LAYERS], ids=_name)
def test_library_does_not_import_the_outer_layers(path: Path):
    """Data flows one way: files -> articles -> analyzer -> index -> search -> web/CLI."""
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.ImportFrom) and node.level:
            target = (node.module or "").split(".")[0]
            assert target not in LAYERS, f"{_name(path)} imports .{node.module}"
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("newssearch."):
            assert node.module.split(".")[1] not in LAYERS, f"{_name(path)} imports {node.module}"
