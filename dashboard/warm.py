"""Fill the dashboard's caches before the first browser connects, so a freshly started server
answers its first visitor as fast as its hundredth.

A fresh process spends most of a first view importing scikit-learn, optbinning, LightGBM and the
model package, loading the model and reading the bank; `warm` does all of that once, in the server
process, through the same cached functions the pages call (dashboard.store, .models, .customers),
for the bank and model in use. Nothing is fitted here that start-up has not stored already except
the recommender, which has no stored form. `dashboard.serve` calls it before the server listens.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable


def import_libraries() -> None:
    """The heavy imports the pages need (optbinning before anything that imports cvxpy), and the
    first-use costs of Altair and Streamlit that would otherwise land on a first view."""
    import optbinning  # noqa: F401
    import sklearn.cluster
    import sklearn.linear_model  # noqa: F401

    import bankml.default
    import bankml.overview
    import bankml.recommend
    import bankml.segment  # noqa: F401
    import dashboard.charts
    import dashboard.review
    import dashboard.sidebar  # noqa: F401

    first_chart()
    first_element()


def first_chart() -> None:
    """Import Altair and validate one chart: the import and the loading of Vega-Lite's schema took
    about 2 s of the first view that draws a chart (every page but Data)."""
    import altair as alt
    import pandas as pd

    alt.Chart(pd.DataFrame({"x": [0]})).mark_point().encode(x="x:Q").to_dict()


def first_element() -> None:
    """Streamlit's check, on the first element a process draws, whether it runs in a REPL walks
    the call stack with `inspect` (which scans every loaded module's file: 1-2 s with the model
    libraries loaded). Done here once, it is skipped on the first view. (Private function of
    streamlit.delta_generator; the warning it may log is muted during the warm-up.)"""
    from streamlit import delta_generator

    delta_generator._maybe_print_use_warning()


def steps() -> list[tuple[str, Callable[[], object]]]:
    """(name, call) for every cache a page's first view (or a first action on it) reads."""
    from dashboard import customers, models, store

    info = store.current_bank()
    card = models.current_card()
    found = models.current_model() if card is not None else None
    todo: list[tuple[str, Callable[[], object]]] = []
    if found is not None:
        model, card = found
        todo += [
            ("Model performance view", lambda: models.performance_view(card)),
            ("batch template", lambda: models.applicant_template(model, card)),
        ]
    if info is None:
        return todo
    first_table = next(iter(info.row_counts), None)
    todo += [
        ("Overview figures", lambda: store.overview(info)),
        ("booked loans (load an applicant)", lambda: store.booked_loans(info)),
        ("loan frame (batch drift reference)", lambda: store.loan_frame(info)),
        ("segments (auto k)", lambda: customers.segments(info, "auto")),
        ("vintage curves (Model performance)", lambda: models.vintages(info)),
    ]
    if first_table is not None:
        todo.append((f"table {first_table}", lambda: store.table(first_table, info)))
    for use_segments in (True, False):  # the page opens with segments on; the toggle turns them off
        todo += [
            (
                f"recommender (segments {'on' if use_segments else 'off'})",
                lambda s=use_segments: customers.recommender(info, s),
            ),
            (
                f"recommender evaluation (segments {'on' if use_segments else 'off'})",
                lambda s=use_segments: customers.recommender_evaluation(info, 5, s),
            ),
        ]
    return todo


def warm(log: Callable[[str], None] | None = None) -> dict[str, float]:
    """Import the libraries and fill every first-view cache; seconds per step.

    A step that fails is logged and skipped: the page computes it (and shows the error) itself.
    """
    say = log or (lambda text: sys.stderr.write(text + "\n"))
    timings: dict[str, float] = {}
    # Streamlit notes "no runtime" / "missing ScriptRunContext" for every cache filled outside a
    # script run: expected here, so warnings are muted for the warm-up only.
    logging.disable(logging.WARNING)
    try:
        started = time.perf_counter()
        import_libraries()
        timings["imports"] = time.perf_counter() - started
        for name, call in steps():
            started = time.perf_counter()
            try:
                call()
            except Exception as exc:  # a broken bank or model must not stop the server
                say(f"warm-up: {name} skipped ({type(exc).__name__}: {exc})")
                continue
            timings[name] = time.perf_counter() - started
    finally:
        logging.disable(logging.NOTSET)
    say(
        "warm-up: "
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings.items())
        + f" (total {sum(timings.values()):.1f} s)"
    )
    return timings
