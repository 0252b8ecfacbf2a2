"""The layout rules the project keeps, checked on the source so a change that breaks one fails here:
modules of bankml/ stay under 400 lines, no import hides behind `except ImportError`, the layers
import only downwards, and the docs explain themselves without naming files outside the repository."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAX_MODULE_LINES = 400


def _modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def _imported(path: Path) -> set[str]:
    """Top-level package names a module imports anywhere in its body."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_no_bankml_module_passes_400_lines():
    long = {
        str(path.relative_to(ROOT)): n
        for path in _modules("bankml")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_no_import_is_wrapped_in_except_import_error():
    """Collaborators are passed in or imported plainly, never tried and silently dropped. (An
    unpickled artefact naming a moved class may still raise ImportError: that try imports nothing.)"""
    hidden = []
    for path in _modules("bankml"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Try):
                continue
            imports = any(
                isinstance(inner, (ast.Import, ast.ImportFrom))
                for statement in node.body
                for inner in ast.walk(statement)
            )
            catches = any(
                "ImportError" in ast.unparse(h.type or ast.Name("")) for h in node.handlers
            )
            if imports and catches:
                hidden.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert hidden == []


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [("bankml", {"streamlit"}), ("synth", {"bankml", "streamlit"}), ("pages", {"synth"})],
)
def test_layers_import_only_downwards(folder, forbidden):
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imported(path) & forbidden)
        for path in _modules(folder)
        if _imported(path) & forbidden
    }
    assert offenders == {}


def test_docs_never_point_outside_the_repository():
    # built from parts so that this file itself names none of them
    outside = [f"{name}.md" for name in ("DESIGN", "TOOLCHAIN", "RELIABILITY")]
    outside.append("/".join(("..", "sha" + "red")))
    files = [ROOT / "README.md", *(ROOT / "docs").rglob("*.md")]
    files += [p for folder in ("bankml", "synth", "pages", "dashboard") for p in _modules(folder)]
    hits = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in files
        for name in outside
        if name in path.read_text(encoding="utf-8")
    ]
    assert hits == []
