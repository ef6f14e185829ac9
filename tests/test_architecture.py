"""The one-way import graph of DESIGN.md §1, checked by walking every module's AST."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("eyazisma", "conformance", "eyp", "pades", "cades", "encryption", "licensing", "keys")

# Direct edges of DESIGN.md §1; a package may also import whatever its imports may import.
EDGES: dict[str, set[str]] = {
    "eyazisma": {"conformance", "eyp", "pades", "cades", "encryption", "licensing", "keys"},
    "conformance": {"eyp", "pades"},
    "eyp": {"cades", "encryption", "licensing"},
    "pades": {"cades"},
    "cades": {"keys"},
    "encryption": {"keys"},
    "licensing": {"keys"},
    "keys": set(),
}


def _allowed(package: str) -> set[str]:
    seen: set[str] = set()
    stack = [package]
    while stack:
        for nxt in EDGES[stack.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen | {package}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & set(PACKAGES)


def test_graph_has_no_cycles() -> None:
    for package in PACKAGES:
        for other in _allowed(package) - {package}:
            assert package not in _allowed(other), f"cycle between {package} and {other}"


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_point_one_way(package: str) -> None:
    allowed = _allowed(package)
    violations = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for imported in sorted(_imports(path) - allowed):
            violations.append(f"{path.relative_to(ROOT)} imports {imported}")
    assert not violations, "imports against DESIGN.md §1:\n" + "\n".join(violations)


@pytest.mark.parametrize("package", PACKAGES)
def test_top_level_package_resolves_to_this_tree(package: str) -> None:
    module = importlib.import_module(package)
    assert module.__file__ is not None
    assert Path(module.__file__).resolve().parent == ROOT / package


def test_checker_sees_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import eyp\nfrom eyazisma.cli import main\nimport os\n", encoding="utf-8")
    assert _imports(bad) == {"eyp", "eyazisma"}
    assert "eyazisma" not in _allowed("keys")
