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


# Data flows one way. A unit (a package, or a top-level module) may import units of a lower
# rank and its own, never a higher rank or another unit of the same rank. Imports under
# TYPE_CHECKING and inside functions count: a reader follows them all the same.
RANKS = {
    "errors": 0,
    "settings": 1, "model": 1,
    "text": 2, "ingest": 2,
    "index": 3,
    "schema": 4,  # the old pickled path of index/schema.py's fields; nothing imports it
    "search": 5,
    "related": 6,
    "ops": 7,
    "web": 8,
    "cli": 9,
}


def _unit(module: str) -> str:
    return module.split(".")[1] if module.count(".") else "__init__"


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, imported module or name) of every package import in ``path``, relative ones
    resolved."""
    pkg = _module_name(path) if path.name == "__init__.py" else _module_name(path).rsplit(".", 1)[0]
    out = []
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")[: len(pkg.split(".")) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out += [(node.lineno, mod)] + [(node.lineno, f"{mod}.{a.name}") for a in node.names]
    return [(n, m) for n, m in out if m.startswith("newssearch.")]


def _edges() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for path in MODULES:
        src = _unit(_module_name(path))
        for _, target in _imports(path):
            if _unit(target) != src:
                edges.setdefault(src, set()).add(_unit(target))
    return edges


def test_every_unit_has_a_rank():
    units = {_unit(_module_name(p)) for p in MODULES} - {"__init__"}
    assert units <= set(RANKS), f"give these a rank: {sorted(units - set(RANKS))}"


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_imports_point_down(path: Path):
    """text < index < search < related < ops < web < cli; errors, settings and the model
    below everything."""
    here = _unit(_module_name(path))
    if here == "__init__":
        return
    for line, target in _imports(path):
        there = _unit(target)
        if there in (here, "__init__") or target.split(".")[1] not in RANKS:
            continue
        assert RANKS[there] < RANKS[here], (
            f"{_name(path)}:{line} imports {target}: {here} (rank {RANKS[here]}) may only "
            f"import lower ranks, and {there} is rank {RANKS[there]}")


def test_no_import_cycles_between_units():
    edges = _edges()
    seen: dict[str, int] = {}  # 1: on the path, 2: done

    def visit(unit: str, path: list[str]) -> None:
        seen[unit] = 1
        for nxt in sorted(edges.get(unit, ())):
            if seen.get(nxt) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*path, unit, nxt]))
            if nxt not in seen:
                visit(nxt, [*path, unit])
        seen[unit] = 2

    for unit in sorted(edges):
        if unit not in seen:
            visit(unit, [])


def test_only_settings_reads_the_environment():
    readers = [_name(p) for p in MODULES
               if "os.environ" in p.read_text(encoding="utf-8")
               or "getenv(" in p.read_text(encoding="utf-8")]
    assert readers == ["newssearch/settings.py"]


def test_every_exception_is_defined_in_errors():
    for path in MODULES:
        if path.name == "errors.py":
            continue
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.ClassDef):
                bases = [ast.unparse(b) for b in node.bases]
                assert not any(b.endswith(("Error", "Exception", "Problem")) for b in bases), (
                    f"{_name(path)}: {node.name} is an exception; define it in errors.py")


def test_every_error_has_a_kind():
    from newssearch import errors

    defined = [v for v in vars(errors).values()
               if isinstance(v, type) and issubclass(v, Exception)
               and v.__module__ == errors.__name__]
    mapped = {cls for cls, _ in errors.KINDS}
    assert set(defined) == mapped, set(defined) ^ mapped


@pytest.mark.parametrize("path", [p for p in MODULES if p.name == "__init__.py"], ids=_name)
def test_packages_state_their_rule_and_exports(path: Path):
    tree = _tree(path)
    doc = ast.get_docstring(tree) or ""
    assert len(doc) > 80, f"{_name(path)}: say in its docstring what the package is for"
    if path.parent != SRC:
        names = {t.id for n in ast.walk(tree) if isinstance(n, ast.Assign)
                 for t in n.targets if isinstance(t, ast.Name)}
        assert "__all__" in names, f"{_name(path)}: export its public names in __all__"
