"""The app bench's Chromium rows: every page's first view against the 3 s target, and Model
performance's section clicks (slowest and median) against the 2 s action target."""

from __future__ import annotations

import json
import subprocess

from bankml.bench import app


def _report(sections: dict[str, float]) -> str:
    page = {"first_s": 2.5, "second_s": 0.8, "ready_s": 9.0, "bare_first_s": 5.0,
            "bare_ready_s": 1.0, "exception": False}  # fmt: skip
    pages = {
        "pages/overview.py": dict(page),
        "pages/model_performance.py": {**page, "first_s": 2.9, "sections_s": sections},
    }
    return "noise\n" + json.dumps({"customers": 20_000, "browser": True, "pages": pages})


def _rows(monkeypatch, sections: dict[str, float]) -> dict[str, app.BenchRow]:
    answer = subprocess.CompletedProcess([], 0, stdout=_report(sections), stderr="")
    monkeypatch.setattr(app.subprocess, "run", lambda *a, **k: answer)
    monkeypatch.setattr(app.Path, "exists", lambda self: True)  # as if Chromium were installed
    return {row.metric: row for row in app._browser_rows(20_000)}


def test_section_clicks_are_judged_against_two_seconds(monkeypatch):
    rows = _rows(monkeypatch, {"Fairness": 0.4, "Vintages": 2.6, "Expected loss": 0.9})
    slowest = rows["model_performance section click, slowest: Vintages"]
    assert slowest.value == 2.6 and slowest.target == "<= 2 s" and slowest.passed is False
    assert slowest.baseline == 2.9  # the same server's first view
    median = rows["model_performance section click, median of 3"]
    assert median.value == 0.9 and median.passed is True
    first = rows["model_performance first view in Chromium, fresh server (20k bank)"]
    assert first.value == 2.9 and first.passed is True and first.baseline == 5.0


def test_pages_without_sections_get_no_click_rows(monkeypatch):
    rows = _rows(monkeypatch, {})
    assert not [name for name in rows if "section click" in name]
    assert rows["overview first view in Chromium, fresh server (20k bank)"].passed is True
