"""The import direction of the README's architecture section, checked for every package.

Each module of ``src/orchestrix`` is parsed (``ast``; imports inside functions count too) and
every import of another part of Orchestrix must go down the order below. The wiring is
explicit: no ``importlib`` or ``__import__`` on Orchestrix's own modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "orchestrix"

#: Modules at the top of the package that everything may use; they use only each other.
BASE = {"__init__", "errors", "settings", "passwords", "telemetry", "net", "timefmt"}

#: What each part may import besides BASE (the README's order, read downwards).
ALLOWED: dict[str, set[str]] = {
    "spec": set(),
    "tools": {"spec"},
    "runtime": {"spec", "tools"},
    "agents": {"spec", "tools", "runtime"},
    "store": {"spec", "tools", "runtime"},
    "dashboard": set(),
    "host": {"spec", "tools", "runtime", "store"},
    "deploy": {"spec", "tools", "runtime", "store", "host"},
    "api": {"spec", "tools", "runtime", "store", "agents", "host", "deploy", "dashboard"},
    "cli": {"spec", "tools", "runtime", "store", "agents", "host", "deploy", "dashboard", "api"},
    "__main__": {"cli"},
}


def _module_name(path: Path) -> list[str]:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, dotted name) of every Orchestrix module ``path`` imports."""
    tree = ast.parse(path.read_text(), filename=str(path))
    here = _module_name(path)
    package = here if path.name == "__init__.py" else here[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                name = ".".join([*base, *([node.module] if node.module else [])])
            else:
                name = node.module or ""
            found.append((node.lineno, name))
            # `from orchestrix import settings`: the names may be modules themselves
            found.extend((node.lineno, f"{name}.{alias.name}") for alias in node.names)
    return [(line, name) for line, name in found if name.split(".")[0] == "orchestrix"]


def _part(dotted: str) -> str:
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


MODULES = sorted(SRC.rglob("*.py"))


def test_every_part_is_placed() -> None:
    parts = {_part(".".join(_module_name(p))) for p in MODULES}
    assert parts <= BASE | set(ALLOWED), parts - BASE - set(ALLOWED)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_imports_go_down_the_order(path: Path) -> None:
    me = _part(".".join(_module_name(path)))
    allowed = (BASE | {me}) if me in BASE else (BASE | ALLOWED[me] | {me})
    wrong = []
    for line, name in _imports(path):
        target = _part(name)
        if target not in BASE and target not in ALLOWED:
            continue  # `from orchestrix import __version__` and the like
        if target not in allowed:
            wrong.append(f"{path.relative_to(SRC)}:{line} imports {name} ({me} -> {target})")
    assert wrong == []


def test_the_base_modules_import_no_part() -> None:
    wrong = [
        f"{p.relative_to(SRC)}:{line} imports {name}"
        for p in MODULES
        if _part(".".join(_module_name(p))) in BASE
        for line, name in _imports(p)
        if _part(name) in ALLOWED
    ]
    assert wrong == []


def test_the_host_reaches_no_builder_and_no_control_plane() -> None:
    assert not ALLOWED["host"] & {"agents", "api", "deploy", "dashboard", "cli"}


@pytest.mark.parametrize(
    "path",
    MODULES,
    ids=lambda p: str(p.relative_to(SRC)),
)
def test_no_module_is_imported_by_name_at_run_time(path: Path) -> None:
    """``importlib.import_module("orchestrix...")`` and ``__import__`` hide the wiring."""
    tree = ast.parse(path.read_text())
    calls = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id in {"__import__", "import_module"})
            or (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
        )
    ]
    assert calls == [], f"{path.relative_to(SRC)} imports by name at lines {calls}"
