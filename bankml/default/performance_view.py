"""The Model performance page's first view, computed once per model and stored beside it.

Drawing that page from the validation rows needs scikit-learn and the model package (seconds of
imports on a fresh server) plus the curves, calibration, profit and fairness tables. They depend
only on the model, so they are computed when the model is trained (or on first need) and saved as
`performance_view/` in the model's folder, keyed on the artefact's sha256: a retrained or
replaced model never shows another model's figures. Only moving the cut-off what-if computes again.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path

import pandas as pd

FOLDER = "performance_view"
VERSION = 2


def slider_cutoff(cutoff: float) -> float:
    """The cut-off the page's what-if slider starts at (its 0.001 grid)."""
    return float(round(float(cutoff), 3))


def build(validation: pd.DataFrame, card: dict) -> dict:
    """Every table the first view draws, at the model's own cut-off (heavy imports happen here)."""
    from bankml import evaluate
    from bankml.config import DEFAULT_ECONOMICS, LendingEconomics
    from bankml.default import LEADERBOARD_COLUMNS, fairness_by_group, report
    from bankml.default.candidates import BLEND_NAME
    from bankml.default.cutoff import master_scale

    cutoff = slider_cutoff(card["cutoff"])
    recorded = card.get("economics")
    economics = LendingEconomics(**recorded) if recorded else DEFAULT_ECONOMICS
    curves = report.curve_frames(validation)
    return {
        "version": VERSION,
        "sha256": card["sha256"],
        "cutoff": cutoff,
        "leaderboard_columns": list(LEADERBOARD_COLUMNS),
        "has_blend": any(row.get("name") == BLEND_NAME for row in card.get("leaderboard", [])),
        "roc": curves["roc"],
        "pr": curves["pr"],
        "metrics": report.metrics_table(validation),
        "reliability": evaluate.reliability_curve(validation["y"], validation["pd"]),
        "ece": float(evaluate.ece(validation["y"], validation["pd"])),
        "profit": report.profit_frame(validation),
        "business": report.business_view(validation, cutoff),
        "confusion": report.confusion_frame(validation, cutoff),
        "fairness": fairness_by_group(validation, cutoff),
        "master_scale": master_scale(),
        **report.portfolio_frames(validation, economics),
    }


def save(folder: str | os.PathLike, view: dict) -> Path:
    """Write the view beside the model: tables as Parquet (dtypes kept), the rest as JSON.

    Written to a temp folder then renamed, so a reader never sees half a view.
    """
    target = Path(folder) / FOLDER
    temp = Path(folder) / f".{FOLDER}.{uuid.uuid4().hex}.tmp"
    temp.mkdir()
    meta: dict = {"frames": [], "groups": {}}
    for key, value in view.items():
        if isinstance(value, pd.DataFrame):
            value.to_parquet(temp / f"{key}.parquet")
            meta["frames"].append(key)
        elif (
            isinstance(value, dict)
            and value
            and all(isinstance(v, pd.DataFrame) for v in value.values())
        ):
            names = []
            for i, (name, frame) in enumerate(value.items()):
                frame.to_parquet(temp / f"{key}.{i}.parquet")
                names.append(str(name))
            meta["groups"][key] = names
        else:
            meta[key] = value
    (temp / "meta.json").write_text(json.dumps(meta))
    if target.exists():
        shutil.rmtree(target)
    os.replace(temp, target)
    return target


def load(folder: str | os.PathLike, sha256: str) -> dict | None:
    """The stored view when it belongs to this artefact (sha256) and format; else None."""
    path = Path(folder) / FOLDER
    try:
        meta = json.loads((path / "meta.json").read_text())
        if meta.get("version") != VERSION or meta.get("sha256") != sha256:
            return None
        view = {k: v for k, v in meta.items() if k not in ("frames", "groups")}
        for key in meta["frames"]:
            view[key] = pd.read_parquet(path / f"{key}.parquet")
        for key, names in meta["groups"].items():
            view[key] = {
                name: pd.read_parquet(path / f"{key}.{i}.parquet") for i, name in enumerate(names)
            }
    except (OSError, ValueError, KeyError):
        return None
    return view


def ensure(path: str | os.PathLike | None = None) -> dict | None:
    """Build and store a model's view unless it is already there. `path` is a registry (its
    current model) or one model's folder. None when there is no model or no validation rows.
    Called after training so the page's first view computes nothing."""
    from bankml import registry as reg
    from bankml.errors import ModelError

    try:
        folder = reg.model_folder(path)
    except ModelError:
        return None
    card = reg.verify(folder)
    found = load(folder, card["sha256"])
    if found is not None:
        return found
    validation = reg.load_validation(folder)
    if validation is None:
        return None
    view = build(validation, card)
    save(folder, view)
    return view
