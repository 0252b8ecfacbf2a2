"""What a model card records: the training-data hash, library versions, and everything about a
TrainResult needed to audit and reproduce it. `bankml.registry` stores the card beside the
artefact with its sha256; this module only builds it (no file is read or written here).
"""

from __future__ import annotations

import hashlib
import json
import platform

import joblib
import numpy as np
import pandas as pd


def frame_hash(frame: pd.DataFrame) -> str:
    """sha256 of a frame's columns and values (the training-data hash in the card)."""
    digest = hashlib.sha256(",".join(map(str, frame.columns)).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    import catboost
    import lightgbm
    import sklearn

    from bankml import __version__ as bankml_version

    return {
        "python": platform.python_version(),
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "lightgbm": lightgbm.__version__,
        "catboost": catboost.__version__,
        "joblib": joblib.__version__,
        "bankml": bankml_version,
    }


def make_card(result, data_hash: str, source: str, frame: pd.DataFrame | None = None) -> dict:
    """The model card for a TrainResult: everything needed to audit and reproduce it.

    With the training `frame`, also the global importance on it (up to 2,000 rows), so a model
    trained on a CSV can show what drives it next to a bank that lacks its columns.
    """
    model = result.model
    board = result.leaderboard.drop(columns=["params"], errors="ignore")
    importance = None
    if frame is not None:
        table = model.feature_importance(frame.head(2000))
        importance = json.loads(table.to_json(orient="records"))
    return {
        "source": source,
        "data_hash": data_hash,
        "rows": int(len(result.validation)),
        "default_rate": float(result.validation["y"].mean()),
        "target": result.spec.target,
        "features": list(model.features_),
        "feature_dtypes": {
            **{f: "numeric" for f in result.spec.numeric},
            **{f: "categorical" for f in result.spec.categorical},
        },
        "protected": list(result.spec.protected),
        "dropped_columns": list(result.spec.dropped),
        "include_age": "age" in model.features_,
        "schema": model.schema_.to_dict(),
        "algorithm": result.chosen,
        "parameters": result.parameters,
        "seed": result.parameters.get("random_state", 0),
        "cutoff": float(model.cutoff_),
        "refer_band": [float(v) for v in getattr(model, "refer_band_", ())],
        "economics": dict(vars(model.economics_)) if hasattr(model, "economics_") else None,
        "pricing_policy": getattr(model, "policy_", None),
        "metrics": {k: float(v) for k, v in result.metrics().items()},
        "oracle": result.oracle,
        "leaderboard": json.loads(board.to_json(orient="records")),
        "train_seconds": round(result.seconds, 3),
        "scorecard_points": None
        if result.scorecard_points is None
        else json.loads(result.scorecard_points.to_json(orient="records")),
        "importance": importance,
        "diagnostics": {  # scorecard screening and scaling, protected-column notice, proxies
            k: json.loads(v.to_json(orient="records")) if isinstance(v, pd.DataFrame) else v
            for k, v in getattr(result, "diagnostics", {}).items()
        },
        "versions": library_versions(),
    }
