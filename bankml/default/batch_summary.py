"""Batch scoring results as an analyst reads them: results first, decisions counted, tidy numbers.

`bankml.default.scoring.score_batch` keeps every uploaded column in input order and appends the results;
on a 30-column file the PD, grade and decision were the last columns on screen. This module orders
the same rows for display and download (identifier, PD, grade, decision, top reason, then the
rest), counts the decisions, says whether the batch needs a warning, and writes the template.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bankml import formatting
from bankml.csvio import to_safe_csv

DECISIONS = ("approve", "refer", "decline")
# Identifier columns, in the order they lead the table when present.
ID_COLUMNS = ("customer_id", "loan_id", "applicant_id", "application_id", "id", "name")
RESULT_COLUMNS = ("pd", "grade", "decision", "reason_1", "reason_2", "reason_3")
PD_DECIMALS = 4  # 12.94%: finer digits are noise, not information


def results_first(scored: pd.DataFrame) -> pd.DataFrame:
    """The scored rows with identifiers, PD, grade, decision and reasons leading, then the inputs."""
    lead = [c for c in (*ID_COLUMNS, *RESULT_COLUMNS) if c in scored.columns]
    rest = [c for c in scored.columns if c not in lead]
    return scored[lead + rest]


def for_export(scored: pd.DataFrame) -> pd.DataFrame:
    """results_first with the PD rounded to PD_DECIMALS (the download and the on-screen table)."""
    out = results_first(scored)
    if "pd" in out.columns:
        out = out.assign(pd=out["pd"].astype(float).round(PD_DECIMALS))
    return out


def export_csv(scored: pd.DataFrame) -> bytes:
    """The scored rows, results first, as formula-safe CSV."""
    return to_safe_csv(for_export(scored))


def decision_counts(scored: pd.DataFrame) -> dict[str, int]:
    """How many rows were approved, referred and declined (every decision present, 0 if none)."""
    if "decision" not in scored.columns:
        return dict.fromkeys(DECISIONS, 0)
    counts = scored["decision"].astype(str).value_counts()
    return {d: int(counts.get(d, 0)) for d in DECISIONS}


def outcome(rows_in: int, scored: int, rejected: int, warnings: int = 0) -> tuple[str, str]:
    """("success" | "warning" | "error", one sentence) for the result box above the table.

    Any rejected row makes it a warning: a green box over a batch that lost rows reads as "all
    fine". Nothing scored is an error.
    """
    text = f"{formatting.count(scored)} of {formatting.count(rows_in)} rows scored"
    if rejected:
        text += f"; {formatting.count(rejected)} rejected (listed below, not scored)"
    if warnings:
        text += f"; {formatting.count(warnings)} warnings"
    if scored == 0 and rows_in:
        return "error", text + "."
    return ("warning" if rejected else "success"), text + "."


def template(schema, rows: int = 3) -> bytes:
    """A CSV template of distinct example applicants: the typical one, a smaller and a larger
    variant of every number (within the field's bounds, at its display precision), and a
    different level of every category, so the file shows what may vary."""
    factors = np.resize(np.array([1.0, 0.5, 1.5]), rows)
    frame = pd.DataFrame(
        {
            "customer_id": np.arange(1, rows + 1),
            "name": [f"Applicant {i}" for i in range(1, rows + 1)],
        }
    )
    for spec in schema.numeric:
        values = np.clip(float(spec.default) * factors, spec.minimum, spec.maximum)
        if spec.integer:
            frame[spec.name] = np.round(values).astype(np.int64)
        else:
            frame[spec.name] = np.round(values, formatting.decimal_places(spec.step))
    for spec in schema.categorical:
        levels = list(spec.levels)
        start = levels.index(spec.default) if spec.default in levels else 0
        frame[spec.name] = [levels[(start + i) % len(levels)] for i in range(rows)]
    return to_safe_csv(frame)
