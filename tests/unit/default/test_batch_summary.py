"""Batch results as an analyst reads them: results first, decisions counted, tidy numbers."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from bankml.default import batch_summary
from bankml.default.scoring import score_batch
from synth.applicants import applicants


def test_results_lead_and_the_download_has_four_decimal_pds(logistic_model):
    model = logistic_model[0]
    result = score_batch(applicants(30, seed=1), model)
    ordered = batch_summary.results_first(result.scored)
    assert list(ordered.columns[:6]) == [
        "customer_id",
        "name",
        "pd",
        "grade",
        "decision",
        "reason_1",
    ]
    assert set(ordered.columns) == set(result.scored.columns)
    written = pd.read_csv(io.BytesIO(batch_summary.export_csv(result.scored)))
    assert list(written.columns[:3]) == ["customer_id", "name", "pd"]
    assert (written["pd"] == written["pd"].round(4)).all()
    assert written["pd"].to_numpy() == pytest.approx(result.scored["pd"].to_numpy(), abs=5e-5)
    counts = batch_summary.decision_counts(result.scored)
    assert sum(counts.values()) == 30 and set(counts) == {"approve", "refer", "decline"}


def test_outcome_warns_when_rows_were_rejected():
    assert batch_summary.outcome(30, 30, 0)[0] == "success"
    kind, text = batch_summary.outcome(30, 25, 5)
    assert (
        kind == "warning" and text == "25 of 30 rows scored; 5 rejected (listed below, not scored)."
    )
    assert batch_summary.outcome(3, 0, 3)[0] == "error"


def test_template_rows_differ_and_numbers_are_short(logistic_model):
    model = logistic_model[0]
    raw = batch_summary.template(model.schema_)
    frame = pd.read_csv(io.BytesIO(raw))
    features = list(model.schema_.names)
    assert len(frame.drop_duplicates(subset=features)) == 3
    text = raw.decode()
    assert "9999" not in text and "0000000" not in text, text
    result = score_batch(raw, model)  # the template itself is valid input
    assert len(result.scored) == 3 and not len(result.errors)
