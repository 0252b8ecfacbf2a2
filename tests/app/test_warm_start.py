"""A warm start: `dashboard.serve` runs start-up, fills the caches (dashboard.warm) and only then
serves; after the warm-up no page's first view loads, reads, fits or evaluates anything."""

from __future__ import annotations

import shutil

from streamlit.runtime.pages_manager import PagesManager

from tests.app._apptest import open_page

PAGES = (
    "pages/overview.py",
    "pages/data.py",
    "pages/default_prediction.py",
    "pages/model_performance.py",
    "pages/customer_segments.py",
    "pages/recommendations.py",
)


def _forbid(monkeypatch, module, name: str) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError(f"{module.__name__}.{name} ran on a first view after the warm-up")

    monkeypatch.setattr(module, name, refuse)


def test_after_the_warm_up_no_first_view_computes(
    monkeypatch, segmented_bank_path, logistic_bank_model, tmp_path
):
    import bankml.default
    import bankml.default.vintage
    import bankml.overview
    import bankml.recommend
    import bankml.registry
    import bankml.segment
    from bankml import startup
    from bankml.default import performance_view
    from dashboard import store, warm

    models = tmp_path / "models"  # start-up stores first views beside the model: a private copy
    shutil.copytree(logistic_bank_model, models)
    monkeypatch.setenv("BANKML_DB", str(segmented_bank_path))
    monkeypatch.setenv("BANKML_MODELS", str(models))
    store.clear_caches()
    assert startup.main() == 0  # the stored first views (segments, model performance)
    notes: list[str] = []
    timings = warm.warm(log=notes.append)
    assert not [n for n in notes if "skipped" in n], notes
    expected = {"imports", "Overview figures", "segments (auto k)", "Model performance view"}
    expected.add("vintage curves (Model performance)")
    assert expected <= set(timings)
    assert {"recommender (segments on)", "recommender evaluation (segments off)"} <= set(timings)

    for module, names in (
        (bankml.registry, ["load_model", "load_validation"]),
        (bankml.default, ["loan_frame"]),
        (bankml.default.vintage, ["bank_vintages"]),
        (performance_view, ["load", "ensure"]),
        (bankml.overview, ["summary", "monthly_spend_by_category"]),
        (bankml.segment, ["stored_or_fit", "segment_customers"]),
        (bankml.recommend, ["read_bank", "build_context", "evaluate_recommenders"]),
    ):
        for name in names:
            _forbid(monkeypatch, module, name)
    try:
        for page in PAGES:  # a new session per page, as a new browser tab
            at = open_page(monkeypatch, segmented_bank_path, models, page)
            assert at.title, page
        # Model performance's other sections read warm caches too (a click, not a computation)
        at = open_page(monkeypatch, segmented_bank_path, models, "pages/model_performance.py")
        for section in ("vintages", "curves", "loss", "fairness"):
            at.button_group(key="performance_section").set_value(section).run()
            assert not at.exception, (section, [e.message for e in at.exception])
    finally:
        store.clear_caches()


def test_serve_warms_before_it_serves(monkeypatch):
    import streamlit.web.cli

    from bankml import startup
    from dashboard import serve, warm

    calls = []
    monkeypatch.setattr(PagesManager, "uses_pages_directory", None)
    monkeypatch.setattr(startup, "main", lambda: calls.append("start-up") or 0)
    monkeypatch.setattr(warm, "warm", lambda: calls.append("warm") or {})

    def run(args, prog_name):
        calls.append(("run", args, PagesManager.uses_pages_directory))
        return 0

    monkeypatch.setattr(streamlit.web.cli, "main", run)
    assert serve.main(["--server.port", "8999"]) == 0
    assert calls == [
        "start-up",
        "warm",
        ("run", ["run", str(serve.APP), "--server.port", "8999"], False),
    ]
    assert serve.APP.name == "streamlit_app.py" and serve.APP.is_file()
