"""AppTest: charts and tables read alone (issue 18 item 6): palette, full labels, currency,
a calibration diagonal, the cut-off marked on the profit curve, plain column names, help text."""

from __future__ import annotations

import json
import shutil

import pytest

from tests._shared import copy_of
from tests.app._apptest import open_page


def charts(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


def chart_with(at, text: str) -> dict:
    found = [spec for spec in charts(at) if text in json.dumps(spec)]
    assert found, f"no chart mentions {text!r}"
    return found[0]


def data_values(at, spec_text: str, column: str) -> list:
    import pyarrow as pa

    for chart in at.get("vega_lite_chart"):
        if spec_text in chart.proto.spec:
            blobs = [d.data.data for d in chart.proto.datasets]
            if chart.proto.HasField("data"):  # st.vega_lite_chart(data, spec): inline data
                blobs.append(chart.proto.data.data)
            for blob in blobs:
                frame = pa.ipc.open_stream(blob).read_all().to_pandas()
                if column in frame.columns:
                    return frame[column].tolist()
    raise AssertionError(f"no chart data with column {column!r}")


def test_overview_reads_alone(small_bank_path, monkeypatch, tmp_path):
    at = open_page(monkeypatch, small_bank_path, tmp_path / "models", "pages/overview.py")
    spend = chart_with(at, "Spend per month")
    assert "tableau20" in json.dumps(spend)  # 20 distinct colours for 13 categories
    assert "Spend per month ($)" in json.dumps(spend)  # the bank is en_US
    purposes = data_values(at, "Purpose", "purpose")
    assert purposes and not any("_" in p for p in purposes), purposes
    assert "Debt consolidation" in purposes
    for title in ("Purpose", "Share of customers holding it"):
        assert '"labelLimit": 0' in json.dumps(chart_with(at, title))
    metrics = {m.label: m for m in at.metric}
    assert metrics["Exposure"].value.startswith("$")
    assert metrics["Products per customer"].help and metrics["Realised default rate"].help


@pytest.fixture(scope="module")
def performance(logistic_bank_model, tmp_path_factory):
    return copy_of(logistic_bank_model, tmp_path_factory, "models")


def test_model_performance_reads_alone(small_bank_path, monkeypatch, performance):
    at = open_page(monkeypatch, small_bank_path, performance, "pages/model_performance.py")
    at.button_group(key="performance_section").set_value("curves").run()
    calibration = chart_with(at, "Observed default rate")
    assert any(layer.get("mark", {}).get("strokeDash") for layer in calibration["layer"])
    at.button_group(key="performance_section").set_value("money").run()
    assert any("loss given default" in c.value for c in at.caption)
    profit = [c for c in at.get("vega_lite_chart") if "Profit (" in c.proto.spec]
    assert len(profit) == 1
    assert [v[:13] for v in _all_labels(profit[0])] == ["model cut-off"]
    at.slider(key="cutoff").set_value(0.3).run()
    profit = [c for c in at.get("vega_lite_chart") if "Profit (" in c.proto.spec]
    assert "what-if 30.0%" in _all_labels(profit[0])
    metrics = {m.label: m for m in at.metric}
    assert metrics["ROC AUC (out of fold)"].help and metrics["Defaulters caught"].help
    assert metrics["Bad debt avoided"].value.startswith("$")
    at.button_group(key="performance_section").set_value("fairness").run()
    fairness = [d for d in at.dataframe if "disparate_impact" in d.value.columns]
    assert fairness
    config = fairness[0].proto.columns
    assert "Defaulters declined" in config and "Approval ratio to best group" in config


def _all_labels(chart) -> list[str]:
    import pyarrow as pa

    out = []
    for dataset in chart.proto.datasets:
        frame = pa.ipc.open_stream(dataset.data.data).read_all().to_pandas()
        if "label" in frame.columns:
            out += [str(v) for v in frame["label"]]
    return out


def test_applicant_result_reads_alone(small_bank_path, logistic_bank_model, monkeypatch, tmp_path):
    models = tmp_path / "models"
    shutil.copytree(logistic_bank_model, models)
    at = open_page(monkeypatch, small_bank_path, models, "pages/default_prediction.py")
    at.form_submit_button[0].click().run()
    metrics = {m.label: m for m in at.metric}
    assert all(metrics[k].help for k in ("Probability of default", "Risk grade", "Decision"))
    reasons = charts(at)[0]
    assert reasons["encoding"]["y"]["axis"] == {"labelLimit": 0}
    features = data_values(at, "Points (as on the scorecard", "feature")
    assert features and not any("_" in f for f in features), features


def test_thinned_curves_keep_each_series_ends_and_order():
    """ROC/PR curves are thinned for drawing: each series keeps its first and last point and its
    order, and no more than about the points asked for."""
    import numpy as np
    import pandas as pd

    from dashboard.charts import thin_curve

    curve = pd.DataFrame(
        {
            "fpr": np.r_[np.linspace(0, 1, 427), np.linspace(0, 1, 9)],
            "series": ["model"] * 427 + ["oracle"] * 9,
        }
    )
    thin = thin_curve(curve, points=100)
    model, oracle = (thin[thin["series"] == s]["fpr"] for s in ("model", "oracle"))
    assert 50 < len(model) <= 101 and model.is_monotonic_increasing
    assert (model.iloc[0], model.iloc[-1]) == (0.0, 1.0)
    assert len(oracle) == 9  # a short series is left whole
