"""The package's layers, as docs/architecture.md draws them, hold in the code.

Every ``lodpub`` import (module level or inside a function) is read with ``ast``. A module may
import only from its own layer or the layers below it; the page models in ``web/views`` import
no Flask; there is no import cycle.
"""

from __future__ import annotations

import ast
from functools import cache

from support import ROOT

PACKAGE = ROOT / "src" / "lodpub"
BASE = {"lodpub", "lodpub.namespaces", "lodpub.formats", "lodpub.errors", "lodpub.settings",
        "lodpub.release", "lodpub.terms"}
# layer -> the layers it may import from (besides itself); lower layers never import upwards
ALLOWED = {
    "base": set(),
    "pipeline": {"base"},
    "query": {"base"},
    "curate": {"base", "pipeline"},
    "web.views": {"base", "query"},
    "web.publication": {"base", "query", "web.views"},
    "web.http": {"base", "query", "web.views", "web.publication"},
    "web": {"base", "pipeline", "query", "curate", "web.views", "web.publication", "web.http"},
    "cli": {"base", "pipeline", "query", "curate", "web", "web.views", "web.publication",
            "web.http"},
}
WEB_FRAMEWORKS = ("flask", "werkzeug")


def module_name(path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, ast.Module]:
    return {module_name(p): ast.parse(p.read_text(encoding="utf-8"))
            for p in PACKAGE.rglob("*.py")}


def _typing_only(tree: ast.Module) -> set[int]:
    """ids of the import nodes under ``if TYPE_CHECKING:`` (never run)."""
    return {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
            and getattr(node.test, "id", "") == "TYPE_CHECKING"
            for stmt in node.body for n in ast.walk(stmt)}


def imports(tree: ast.Module) -> set[str]:
    """Every module name ``tree`` imports (``from x import y`` counts ``x.y`` if a module)."""
    found = set()
    skipped = _typing_only(tree)
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in modules() else node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def layer(name: str) -> str:
    if name in BASE:
        return "base"
    parts = name.split(".")
    if parts[1] == "web" and len(parts) > 2 and parts[2] in ("views", "http", "publication"):
        return f"web.{parts[2]}"
    return parts[1]


def lodpub_imports(name: str) -> set[str]:
    return {m for m in imports(modules()[name]) if m in modules() and m != name}


def test_architecture_no_import_reaches_up_a_layer():
    wrong = []
    for name in modules():
        for target in lodpub_imports(name):
            if layer(target) != layer(name) and layer(target) not in ALLOWED[layer(name)]:
                wrong.append(f"{name} ({layer(name)}) imports {target} ({layer(target)})")
    assert wrong == []


def test_architecture_page_models_import_no_web_framework():
    for name, tree in modules().items():
        if layer(name) == "web.views":
            used = {m.split(".")[0] for m in imports(tree)}
            assert not used & set(WEB_FRAMEWORKS), name


def test_architecture_has_no_import_cycle():
    state: dict[str, str] = {}

    def visit(name: str, path: tuple[str, ...]) -> None:
        state[name] = "open"
        for target in sorted(lodpub_imports(name)):
            if target.startswith(name + "."):
                continue  # a package importing its own modules
            assert state.get(target) != "open", " -> ".join((*path, name, target))
            if target not in state:
                visit(target, (*path, name))
        state[name] = "done"

    for name in sorted(modules()):
        if name not in state:
            visit(name, ())


def longest_import_path() -> list[str]:
    """The longest chain of lodpub modules importing one another (for the docs)."""
    @cache
    def longest(name: str) -> tuple[str, ...]:
        chains = [longest(t) for t in lodpub_imports(name) if not t.startswith(name + ".")
                  and not name.startswith(t + ".")]
        return (name, *max(chains, key=len, default=()))

    return list(max((longest(n) for n in modules()), key=len))
