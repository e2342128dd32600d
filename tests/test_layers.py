"""The layers of STYLE.md, as facts about the imports: the database libraries in store/ only,
typer and rich in cli/ only, the domain importing nothing else of svcops, no import cycles,
every SVCOPS_* variable read in config, and no source file of many ideas (over 300 lines)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "svcops"
DATABASE = {"sqlalchemy", "sqlmodel", "alembic"}
TERMINAL = {"typer", "rich"}


def _modules() -> dict[str, Path]:
    return {
        ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(
            ".__init__"
        ): path
        for path in PACKAGE.rglob("*.py")
        if "migrations" not in path.parts
    }


def _imports(path: Path) -> set[str]:
    """Every module `path` imports, at any level (inside functions too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _layer(module: str) -> str:
    return module.split(".")[1] if module.count(".") else "svcops"


def test_each_library_is_imported_in_its_own_layer_only() -> None:
    wrong = []
    for module, path in _modules().items():
        tops = {name.split(".")[0] for name in _imports(path)}
        layer = _layer(module)
        if tops & DATABASE and layer != "store":
            wrong.append((module, sorted(tops & DATABASE)))
        if tops & TERMINAL and layer != "cli":
            wrong.append((module, sorted(tops & TERMINAL)))
    assert wrong == []


def test_the_domain_imports_nothing_else_of_svcops() -> None:
    modules = _modules()
    wrong = {
        module: sorted(
            n for n in _imports(path) if n.startswith("svcops.") and _layer(n) != "domain"
        )
        for module, path in modules.items()
        if _layer(module) == "domain"
    }
    assert {m: names for m, names in wrong.items() if names} == {}


def test_there_is_no_import_cycle() -> None:
    modules = _modules()
    edges = {
        module: {name for name in _imports(path) if name in modules and name != module}
        for module, path in modules.items()
    }
    done: set[str] = set()

    def visit(module: str, trail: tuple[str, ...]) -> None:
        if module in trail:
            raise AssertionError(" -> ".join((*trail[trail.index(module) :], module)))
        if module in done:
            return
        for imported in sorted(edges[module]):
            visit(imported, (*trail, module))
        done.add(module)

    for module in sorted(modules):
        visit(module, ())


def test_environment_variables_are_read_in_config_only() -> None:
    reading = re.compile(r"""(environ\.get\(|getenv\(|environ\[)\s*["']SVCOPS_""")
    readers = sorted(
        module
        for module, path in _modules().items()
        if reading.search(path.read_text()) and not module.startswith("svcops.config")
    )
    assert readers == []


def test_no_source_file_is_over_300_lines() -> None:
    long = {m: n for m, p in _modules().items() if (n := len(p.read_text().splitlines())) > 300}
    assert long == {}
