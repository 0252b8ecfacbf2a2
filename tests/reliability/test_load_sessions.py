"""Several browser sessions scoring at once on one `streamlit run` server (scripts/load_test.py).

The figures belong to `bankml bench --section load`; here only correctness: every submit of every
session comes back with a PD and no exception, and the driver really notices a broken run.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.proto.Element_pb2 import Element

pytestmark = pytest.mark.load

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "load_test.py"


def load_driver():
    spec = importlib.util.spec_from_file_location("load_test", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["load_test"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def element(kind: str, **fields) -> Element:
    out = Element()
    for name, value in fields.items():
        setattr(getattr(out, kind), name, value)
    return out


def test_driver_tells_a_pd_from_an_exception_or_nothing():
    driver = load_driver()
    shown = driver.Run(elements=[element("metric", label=driver.PD_LABEL)], fragments=[""])
    crashed = driver.Run(
        elements=[element("metric", label=driver.PD_LABEL), element("exception", message="boom")],
        fragments=["", ""],
    )
    empty = driver.Run(elements=[element("markdown", body="hello")], fragments=[""])
    assert shown.problem() is None
    assert crashed.problem() == "exception: boom"
    assert empty.problem() == "no PD shown"


def test_driver_finds_widgets_and_their_fragment():
    driver = load_driver()
    run = driver.Run(
        elements=[
            element("number_input", id="$$ID-1-applicant_debt_to_income", label="Debt"),
            element("button", id="$$ID-2-None", label="Score applicant"),
        ],
        fragments=["", "frag-1"],
    )
    assert run.widget_id("number_input", "applicant_debt_to_income") == (
        "$$ID-1-applicant_debt_to_income",
        "",
    )
    assert run.widget_id("button", "Score applicant") == ("$$ID-2-None", "frag-1")


def test_four_sessions_scoring_at_once_all_get_their_pd(served_bank, tmp_path_factory):
    """The driver serves a copy of the run's prepared bank and quick model (tests/conftest.py:
    built once per run) instead of generating and training its own; `bankml bench --section
    load` runs the script's own preparation."""
    from tests._shared import copy_of

    folder = copy_of(served_bank, tmp_path_factory, "load")
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--sessions", "4", "--rounds", "2", "--json",
         "--folder", str(folder)],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["error_examples"] == [] and report["errors"] == 0
    assert report["requests"] == 8
    assert 0 < report["p50_s"] <= report["p95_s"] <= report["max_s"]
