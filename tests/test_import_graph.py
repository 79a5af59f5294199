"""The Portal's modules import each other without circles, and the letters sub-packages import
one way: batches -> lifecycle -> keys and document; the document imports nothing else of the
Portal. Every import counts, also those under TYPE_CHECKING and inside functions."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

import portal

PORTAL_DIR = Path(portal.__file__).parent


def _modules(root: Path) -> dict[str, Path]:
    """Give back every module under ``root`` by its dotted name."""
    found = {}
    for path in root.rglob("*.py"):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _imported_names(module: str, path: Path) -> Iterator[str]:
    """Give back every dotted name an import statement of the module names."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def import_graph(root: Path) -> dict[str, set[str]]:
    """Give back, for each module under ``root``, the modules of the same tree it imports."""
    modules = _modules(root)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for target in _imported_names(name, path):
            while target and target not in modules:
                target = target.rpartition(".")[0]
            # A module importing its own package's __init__ is no edge of a circle.
            if target and target != name and not name.startswith(target + "."):
                graph[name].add(target)
    return graph


def test_the_portal_has_no_import_circle():
    try:
        tuple(TopologicalSorter(import_graph(PORTAL_DIR)).static_order())
    except CycleError as error:
        pytest.fail(f"import circle: {' -> '.join(error.args[1])}")


def test_the_check_finds_a_circle_hidden_under_type_checking(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg.b import B\n")
    (package / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .a import A\n"
    )
    with pytest.raises(CycleError):
        tuple(TopologicalSorter(import_graph(package)).static_order())


LAYERS = {
    # sub-package: the letters sub-packages it must never import
    "document": {"keys", "lifecycle", "batches"},
    "keys": {"document", "lifecycle", "batches"},
    "lifecycle": {"batches"},
}


def _letters_part(module: str) -> str | None:
    """Give back the letters sub-package a module belongs to, if any."""
    parts = module.split(".")
    return parts[2] if parts[:2] == ["portal", "letters"] and len(parts) > 2 else None


@pytest.mark.parametrize("lower", sorted(LAYERS))
def test_letters_sub_packages_import_one_way(lower):
    wrong = sorted(
        f"{name} imports {target}"
        for name, targets in import_graph(PORTAL_DIR).items()
        if _letters_part(name) == lower
        for target in targets
        if _letters_part(target) in LAYERS[lower]
    )
    assert wrong == []


def test_the_letter_document_imports_nothing_else_of_the_portal():
    outside = sorted(
        f"{name} imports {target}"
        for name, targets in import_graph(PORTAL_DIR).items()
        if _letters_part(name) == "document"
        for target in targets
        if _letters_part(target) != "document"
    )
    assert outside == []
