"""Every notebook runs top to bottom on the library and is committed without outputs."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.notebook

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no NN-topic.ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_saved_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"{path.name} has outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_imports_only_the_library(path):
    notebook = nbformat.read(path, as_version=4)
    source = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    assert re.search(r"^\s*(from|import) (bankml|synth)\b", source, re.M)
    assert not re.search(r"^\s*def \w+\(", source, re.M), (
        "logic belongs in bankml, not the notebook"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_runs_end_to_end(path, tmp_path, monkeypatch):
    monkeypatch.setenv("BANKML_DB", str(tmp_path / "bank.duckdb"))
    monkeypatch.setenv("BANKML_MODELS", str(tmp_path / "models"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=150,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    try:
        client.execute()
    except Exception as exc:  # nbclient's CellExecutionError carries ANSI colours
        pytest.fail(f"{path.name} failed: {ANSI.sub('', str(exc))[-2000:]}")
