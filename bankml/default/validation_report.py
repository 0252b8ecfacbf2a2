"""The model validation report: one self-contained HTML file a validation team can read and file.

Sections: data, method, in-time performance (out-of-fold), out-of-time performance, calibration,
stability (PSI), vintage curves, fairness, scorecard and limitations. Charts are inline SVG drawn
by `report_svg` and the styles are inline, so the file opens offline with no script and no link.
Figures come from the registered model's card and validation rows; the out-of-time test, the
stability and the vintages need the bank the model was trained on (`bank_evidence`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from pathlib import Path

import pandas as pd

from bankml import evaluate
from bankml.default.report_svg import line_chart

STYLE = """body{font-family:sans-serif;max-width:980px;margin:2em auto;color:#222;line-height:1.4}
table{border-collapse:collapse;margin:.5em 0 1em;font-size:13px}td,th{border:1px solid #ccc;
padding:3px 8px;text-align:right}th{background:#f0f3f7}td:first-child,th:first-child{text-align:left}
h1{color:#1f4e79}h2{color:#1f4e79;border-bottom:1px solid #ccc;margin-top:1.6em}.note{color:#555}"""
SECTIONS = (
    ("data", "Data"),
    ("method", "Method"),
    ("in-time", "In-time performance"),
    ("out-of-time", "Out-of-time performance"),
    ("calibration", "Calibration"),
    ("stability", "Stability"),
    ("vintages", "Vintage curves"),
    ("fairness", "Fairness"),
    ("scorecard", "Scorecard"),
    ("limitations", "Limitations"),
)


@dataclass(frozen=True)
class BankEvidence:
    """What needs the bank itself: the out-of-time table, score and input stability, vintages."""

    out_of_time: pd.DataFrame | None
    oot_note: str
    score_stability: dict
    input_drift: pd.DataFrame
    stability_note: str
    vintages: pd.DataFrame


def _table(frame: pd.DataFrame, digits: int = 4) -> str:
    if frame is None or len(frame) == 0:
        return '<p class="note">(none)</p>'
    shown = frame.copy()
    for column in shown.columns:
        if pd.api.types.is_float_dtype(shown[column]):
            shown[column] = shown[column].map(lambda v: "" if pd.isna(v) else f"{v:.{digits}f}")
    return shown.to_html(index=False, escape=True, border=0)


def _p(text: str) -> str:
    return f"<p>{escape(text)}</p>"


def _base_candidates(card: dict) -> str | list[str]:
    """What the out-of-time test retrains: the chosen candidate itself when it is a single one."""
    from bankml.default import candidates as cands

    ri = card.get("parameters", {}).get("reject_inference")
    name = ri["base_candidate"] if ri else card.get("algorithm")
    single = {c.name for c in cands.KNOWN if c.kind != "blend"}
    return [name] if name in single else card.get("parameters", {}).get("candidates", "quick")


def bank_evidence(model, card: dict, db: str | os.PathLike | None, out_of_time: bool = True):
    """The bank-dependent sections, or None (with why) when `db` is not the model's bank."""
    from bankml import data
    from bankml.default import drift, oot
    from bankml.default.features import loan_frame, oracle_pd
    from bankml.default.vintage import bank_vintages

    info = data.bank_info(db)
    if card.get("data_hash") != info.content_hash:
        return None, "the model was not trained on this bank (another bank or an uploaded file)"
    frame = loan_frame(db)
    early, late, cutoff = oot.split_by_time(frame)
    table, note = None, ""
    if out_of_time:
        oracle = oracle_pd(db) if info.has_truth else None
        result = oot.out_of_time(frame, oracle, candidates=_base_candidates(card), cv=3)
        table = result.table
        note = (
            f"Trained (candidate choice included) on {result.n_train:,} matured loans applied for "
            f"before {result.cutoff}; tested on the {result.n_test:,} latest matured loans "
            f"({result.chosen}). Reject inference, when used, is not part of this refit."
        )
    features = list(model.features_)
    pd_ = model.predict_pd(frame[features])
    score = drift.stability(pd_[early], pd_[late])
    inputs = drift.drift_table(frame.iloc[early][features], frame.iloc[late][features]).head(10)
    stability_note = (
        f"Reference: {len(early):,} loans applied for before {pd.Timestamp(cutoff).date()}; "
        f"batch: the {len(late):,} later matured loans."
    )
    evidence = BankEvidence(table, note, score, inputs, stability_note, bank_vintages(db))
    return evidence, ""


def _section_data(card: dict) -> str:
    excluded = ", ".join(card.get("protected", [])) or "none"
    rows = [
        ("source", card.get("source", "")),
        ("rows (matured loans with an outcome)", f"{card.get('rows', 0):,}"),
        ("default rate", f"{card.get('default_rate', float('nan')):.2%}"),
        ("target", card.get("target", "")),
        ("inputs", f"{len(card.get('features', []))}: " + ", ".join(card.get("features", []))),
        ("protected attributes (not inputs)", excluded),
        ("columns dropped", ", ".join(card.get("dropped_columns", [])) or "none"),
        ("data fingerprint", str(card.get("data_hash", ""))[:16]),
    ]
    notice = card.get("diagnostics", {}).get("protected_notice")
    out = _table(pd.DataFrame(rows, columns=["item", "value"]))
    return out + (_p(notice) if notice else "")


def _section_method(card: dict) -> str:
    params = card.get("parameters", {})
    ri = params.get("reject_inference")
    rows = [
        ("model in use", card.get("algorithm", "")),
        ("candidates compared", str(params.get("candidates", ""))),
        (
            "cross-validation",
            f"{params.get('cv', '')} folds, grouped by {params.get('group_column') or 'row'}",
        ),
        ("calibration", str(params.get("calibration", ""))),
        ("decline cut-off (PD)", f"{card.get('cutoff', float('nan')):.4f}"),
        (
            "reject inference",
            f"{ri['method']} on {ri['declined_rows']:,} declined" if ri else "none",
        ),
        ("seed", str(card.get("seed", ""))),
    ]
    board = pd.DataFrame(card.get("leaderboard", []))
    keep = [
        c
        for c in ("name", "roc_auc", "gini", "ks", "brier", "auc_vs_oracle", "chosen")
        if c in board
    ]
    return (
        _table(pd.DataFrame(rows, columns=["item", "value"]))
        + "<h3>Candidates on the same folds (out-of-fold)</h3>"
        + _table(board[keep] if keep else board, 3)
    )


def _section_in_time(validation: pd.DataFrame, card: dict) -> str:
    from bankml.default import report

    table = report.metrics_table(validation)
    curves = report.curve_frames(validation)["roc"]
    series = {
        name: (part["fpr"].to_numpy(), part["tpr"].to_numpy())
        for name, part in curves.groupby("series", sort=False)
    }
    chart = line_chart(
        series,
        "ROC curve (out of fold)",
        "false positive rate",
        "true positive rate",
        diagonal=True,
    )
    m = card.get("metrics", {})
    lead = (
        f"Out-of-fold ROC AUC {m.get('roc_auc', float('nan')):.3f}, Gini "
        f"{m.get('gini', float('nan')):.3f}, KS {m.get('ks', float('nan')):.3f}, Brier "
        f"{m.get('brier', float('nan')):.4f} on {len(validation):,} loans the model did not train on."
    )
    return _p(lead) + _table(table) + chart


def _section_oot(evidence, why: str) -> str:
    if evidence is None or evidence.out_of_time is None:
        return _p(f"Not measured: {why or 'the out-of-time test was not asked for'}.")
    cols = [
        "role",
        "model",
        "period",
        "n",
        "roc_auc",
        "gini",
        "ks",
        "brier",
        "default_rate",
        "auc_vs_oracle",
    ]
    table = evidence.out_of_time[[c for c in cols if c in evidence.out_of_time]]
    return _p(evidence.oot_note) + _table(table)


def _section_calibration(validation: pd.DataFrame) -> str:
    curve = evaluate.reliability_curve(validation["y"], validation["pd"])
    chart = line_chart(
        {"model": (curve["mean_pd"].to_numpy(), curve["observed"].to_numpy())},
        "Reliability: predicted PD vs observed default rate (deciles)",
        "mean predicted PD",
        "observed default rate",
        y_percent=True,
        diagonal=True,
    )
    ece = evaluate.ece(validation["y"], validation["pd"])
    lead = (
        f"Expected calibration error {ece:.4f}; mean PD {validation['pd'].mean():.4f} against an "
        f"observed default rate of {validation['y'].mean():.4f}."
    )
    return _p(lead) + _table(curve) + chart


def _section_stability(evidence, why: str) -> str:
    if evidence is None:
        return _p(f"Not measured: {why}.")
    s = evidence.score_stability
    lead = (
        f"Score PSI {s['psi']:.4f} ({s['band']}; noise level {s['noise']:.4f}). "
        + evidence.stability_note
    )
    return _p(lead) + "<h3>Inputs with the largest PSI</h3>" + _table(evidence.input_drift)


def _section_vintages(evidence, why: str) -> str:
    if evidence is None or evidence.vintages.empty:
        return _p(f"Not available: {why or 'no matured loans'}.")
    v = evidence.vintages
    series = {
        name: (part["months_on_book"].to_numpy(), part["cumulative_default_rate"].to_numpy())
        for name, part in v.groupby("vintage")
    }
    chart = line_chart(
        series,
        "Cumulative default rate by months on book",
        "months on book",
        "cumulative default rate",
        y_percent=True,
    )
    last = v.sort_values(["vintage", "months_on_book"]).groupby("vintage").tail(1)
    return chart + _table(last[["vintage", "loans", "defaults", "cumulative_default_rate"]])


def _section_fairness(validation: pd.DataFrame, card: dict) -> str:
    from bankml.default.fairness import fairness_by_group

    parts = []
    for name, table in fairness_by_group(validation, float(card["cutoff"])).items():
        parts.append(f"<h3>{escape(name)}</h3>" + _table(table, 3))
    proxy = card.get("diagnostics", {}).get("proxy_check")
    if proxy:
        parts.append("<h3>Proxy check (how well the inputs predict each attribute)</h3>")
        parts.append(_table(pd.DataFrame(proxy), 3))
    return "".join(parts) or _p("No protected attribute was kept with the validation rows.")


def _section_scorecard(card: dict) -> str:
    points = card.get("scorecard_points")
    if not points:
        return _p("No scorecard was fitted for this model.")
    table = pd.DataFrame(points)
    role = str(table["role"].iloc[0]) if "role" in table else "in use"
    diag = card.get("diagnostics", {})
    screening = diag.get("scorecard_screening")
    scaling = diag.get("scorecard_scaling", {}).get("text", "Points rise with safety.")
    out = _p(f"Role: {role}. {scaling}") + _table(table, 3)
    if screening:
        out += "<h3>Screening</h3>" + _table(pd.DataFrame(screening), 4)
    return out


def _limitations(card: dict, evidence, why: str) -> str:
    items = [
        "Figures are out-of-fold or out-of-time: measured on loans each model did not train on.",
        "Immature loans (no outcome yet) never enter training or testing.",
        "The declined applications have no outcome: the booked-only model is fitted on a "
        "censored population"
        + (
            " (reject inference was applied)."
            if card.get("parameters", {}).get("reject_inference")
            else "."
        ),
    ]
    if evidence is None:
        items.append(f"Out-of-time, stability and vintages are missing: {why}.")
    if "synthetic" in str(card.get("source", "")) or "bank" in str(card.get("source", "")):
        items.append(
            "Trained on synthetic data: the figures describe the generator's bank, not a real book."
        )
    return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"


def build_html(card: dict, validation: pd.DataFrame, evidence=None, why: str = "") -> str:
    """The whole report as one HTML string (see module doc)."""
    body = {
        "data": _section_data(card),
        "method": _section_method(card),
        "in-time": _section_in_time(validation, card),
        "out-of-time": _section_oot(evidence, why),
        "calibration": _section_calibration(validation),
        "stability": _section_stability(evidence, why),
        "vintages": _section_vintages(evidence, why),
        "fairness": _section_fairness(validation, card),
        "scorecard": _section_scorecard(card),
        "limitations": _limitations(card, evidence, why),
    }
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    head = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Validation report '
        f"{escape(str(card.get('id', '')))}</title><style>{STYLE}</style></head><body>"
        f'<h1>Model validation report</h1><p class="note">Model {escape(str(card.get("id", "")))}'
        f" ({escape(str(card.get('algorithm', '')))}), created {escape(str(card.get('created_at', '')))};"
        f" report written {when}.</p><ol>"
        + "".join(f'<li><a href="#{k}">{t}</a></li>' for k, t in SECTIONS)
        + "</ol>"
    )
    sections = "".join(f'<h2 id="{k}">{t}</h2>{body[k]}' for k, t in SECTIONS)
    return head + sections + "</body></html>"


def render(
    model_dir: str | os.PathLike | None = None,
    db: str | os.PathLike | None = None,
    out_of_time: bool = True,
) -> str:
    """The report of a registered model (default: the current one) as an HTML string."""
    from bankml import registry
    from bankml.errors import BankmlError

    model, card = registry.load_model(model_dir)
    validation = registry.load_validation(model_dir)
    if validation is None:
        raise BankmlError(f"model {card.get('id')} has no validation rows: retrain it")
    try:
        evidence, why = bank_evidence(model, card, db, out_of_time)
    except BankmlError as exc:
        evidence, why = None, f"the bank could not be read ({exc})"
    return build_html(card, validation, evidence, why)


def write(out: str | os.PathLike, html: str) -> Path:
    """Write the report where asked (the folder must exist)."""
    path = Path(out)
    if not path.parent.is_dir():
        from bankml.errors import InputError

        raise InputError(f"--out {out}: the folder {path.parent} does not exist")
    path.write_text(html, encoding="utf-8")
    return path
