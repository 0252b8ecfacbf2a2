"""The model registry: one folder per model with its artefact, a JSON card and a sha256.

    models/
      CURRENT                 id of the model in use (swapped atomically)
      <id>/model.joblib       the fitted PD model, DefaultModel or BlendModel (loaded only after its
                              sha256 matches; a pickle whose classes moved is a "retrain" error)
      <id>/card.json          data hash, features, schema, parameters, metrics, cut-off, versions
      <id>/validation.npz     out-of-fold predictions for the performance page (no pickle)

Loading verifies the card and the checksum before any deserialiser runs; a model saved by another
scikit-learn version or for other features is refused with a "retrain" message. Every unpickling in
bankml goes through `load_verified_bytes`, which hashes the very bytes it loads. What a card holds
is built by `bankml.model_card`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import pickle
import shutil
import uuid
import warnings
from pathlib import Path

import joblib
import numpy as np
import pandas as pd

from bankml import config
from bankml.errors import ModelError
from bankml.model_card import library_versions

ARTEFACT = "model.joblib"
CARD = "card.json"
VALIDATION = "validation.npz"
CURRENT = "CURRENT"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_validation(folder: Path, validation: pd.DataFrame) -> None:
    arrays = {}
    for column in validation.columns:
        values = validation[column]
        if pd.api.types.is_numeric_dtype(values):
            arrays[column] = values.to_numpy(float)
        else:
            arrays[column] = values.astype(str).to_numpy(dtype=str)
    np.savez(folder / VALIDATION, **arrays)


def save_model(
    model,
    card: dict,
    registry: str | os.PathLike | None = None,
    validation: pd.DataFrame | None = None,
) -> Path:
    """Write models/<id>/ (artefact, card with its sha256, validation rows) and mark it current.

    Written into a hidden temp folder and renamed, so a crash never leaves a half model visible.
    """
    registry = config.models_dir(registry)
    try:
        registry.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelError(f"cannot create the model registry {registry}: {exc.strerror}") from None
    created = dt.datetime.now(dt.timezone.utc)
    temp = registry / f".tmp-{uuid.uuid4().hex[:8]}"
    temp.mkdir()
    try:
        joblib.dump(model, temp / ARTEFACT)
        digest = sha256_file(temp / ARTEFACT)
        model_id = f"{created:%Y%m%dT%H%M%S}-{digest[:8]}"
        card = {**card, "id": model_id, "created_at": created.isoformat(timespec="seconds")}
        card["sha256"] = digest
        card["artefact"] = ARTEFACT
        if validation is not None:
            _write_validation(temp, validation)
            card["validation_sha256"] = sha256_file(temp / VALIDATION)
        (temp / CARD).write_text(json.dumps(card, indent=2, default=str))
        final = registry / model_id
        if final.exists():
            shutil.rmtree(final)
        os.rename(temp, final)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    set_current(model_id, registry)
    return final


def sweep_temp(registry: str | os.PathLike | None = None) -> int:
    """Remove half-written model folders a killed `bankml train` left behind (never visible)."""
    registry = config.models_dir(registry)
    if not registry.is_dir():
        return 0
    stale = [p for p in registry.glob(".tmp-*") if p.is_dir()]
    stale += [p for p in registry.glob(f".{CURRENT}.*") if p.is_file()]
    for path in stale:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return len(stale)


def set_current(model_id: str, registry: str | os.PathLike | None = None) -> None:
    """Point CURRENT at a model folder (atomic replace)."""
    registry = config.models_dir(registry)
    if not (registry / model_id / CARD).is_file():
        raise ModelError(f"no model {model_id!r} in {registry}")
    temp = registry / f".{CURRENT}.{uuid.uuid4().hex[:8]}"
    temp.write_text(model_id + "\n")
    os.replace(temp, registry / CURRENT)


def current_id(registry: str | os.PathLike | None = None) -> str | None:
    path = config.models_dir(registry) / CURRENT
    return path.read_text().strip() if path.is_file() else None


def model_folder(path: str | os.PathLike | None = None) -> Path:
    """A model folder from a registry folder (its current model) or a model folder itself."""
    path = config.models_dir(path)
    if (path / ARTEFACT).exists() or (path / CARD).exists():
        return path
    if not path.is_dir():
        raise ModelError(f"no model registry at {path}: train one with `bankml train`")
    model_id = current_id(path)
    if model_id is None:
        raise ModelError(f"no current model in {path}: train one with `bankml train`")
    folder = path / model_id
    if not folder.is_dir():
        raise ModelError(f"the current model {model_id} is missing from {path}: retrain")
    return folder


REQUIRED_VERSIONS = ("python", "sklearn", "numpy", "bankml")


def verify(path: str | os.PathLike | None = None) -> dict:
    """Check the card and the artefact's sha256 without deserialising anything; returns the card."""
    folder = model_folder(path)
    card_path = folder / CARD
    if not card_path.is_file():
        raise ModelError(f"missing card in {folder}: the model cannot be trusted; retrain")
    try:
        card = json.loads(card_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ModelError(f"damaged card in {folder}: retrain") from None
    required = ("sha256", "features", "schema", "versions", "data_hash", "seed", "metrics")
    missing = [k for k in required if k not in card]
    if missing:
        raise ModelError(f"incomplete card in {folder} (no {missing[0]}): retrain")
    versions = card["versions"] if isinstance(card["versions"], dict) else {}
    unversioned = [k for k in REQUIRED_VERSIONS if not versions.get(k)]
    if unversioned:
        name = {"sklearn": "scikit-learn"}.get(unversioned[0], unversioned[0])
        raise ModelError(f"incomplete card in {folder} (no {name} version): retrain")
    artefact = folder / card.get("artefact", ARTEFACT)
    if not artefact.is_file():
        raise ModelError(f"missing artefact {artefact}: retrain")
    if sha256_file(artefact) != card["sha256"]:
        raise ModelError(
            f"checksum mismatch for {artefact}: the file changed since training; retrain"
        )
    return card


def load_model(
    path: str | os.PathLike | None = None, expected_features: list[str] | None = None
) -> tuple:
    """(PD model, card) after the checksum, version and feature checks; ModelError otherwise."""
    import sklearn
    from sklearn.exceptions import InconsistentVersionWarning

    from bankml.default import candidates  # noqa: F401  (optbinning before anything else)

    card = verify(path)
    folder = model_folder(path)
    recorded = card["versions"].get("sklearn")
    if recorded != sklearn.__version__:
        raise ModelError(
            f"model {card.get('id', folder.name)} was saved with scikit-learn {recorded}, "
            f"this is {sklearn.__version__}: retrain with `bankml train`"
        )
    if expected_features is not None and list(expected_features) != list(card["features"]):
        extra = sorted(set(card["features"]) - set(expected_features))
        absent = sorted(set(expected_features) - set(card["features"]))
        raise ModelError(
            f"model {card.get('id')} was trained on other features (model only: {extra}, "
            f"data only: {absent}): retrain"
        )
    label = f"model {card.get('id', folder.name)}"
    data = (folder / card.get("artefact", ARTEFACT)).read_bytes()  # the bytes hashed are loaded
    with warnings.catch_warnings():
        warnings.simplefilter("error", InconsistentVersionWarning)
        try:
            model = load_verified_bytes(data, card["sha256"], label)
        except InconsistentVersionWarning as exc:
            raise ModelError(
                f"{label} holds a {exc.estimator_name} pickled with scikit-learn "
                f"{exc.original_sklearn_version}, this is {exc.current_sklearn_version}: retrain"
            ) from None
        except ModelError:
            raise
        except Exception as exc:
            raise ModelError(f"{label} cannot be loaded ({type(exc).__name__}): retrain") from None
    if list(getattr(model, "features_", [])) != list(card["features"]):
        raise ModelError(f"model {card.get('id')} does not match its card's features: retrain")
    if hasattr(model, "calibrator_") and not hasattr(model, "economics_"):
        raise ModelError(
            f"model {card.get('id')} predates per-loan economics and the PD master scale: retrain"
        )
    return model, card


def load_validation(path: str | os.PathLike | None = None) -> pd.DataFrame | None:
    """Out-of-fold validation rows saved with a model (checksum verified; no pickle allowed)."""
    folder = model_folder(path)
    card = verify(folder)
    file = folder / VALIDATION
    if not file.is_file() or "validation_sha256" not in card:
        return None
    if sha256_file(file) != card["validation_sha256"]:
        raise ModelError(f"checksum mismatch for {file}: retrain")
    with np.load(file, allow_pickle=False) as arrays:
        return pd.DataFrame({name: arrays[name] for name in arrays.files})


def list_models(registry: str | os.PathLike | None = None) -> pd.DataFrame:
    """Every model in the registry (newest first) with its headline metrics and checksum state."""
    registry = config.models_dir(registry)
    current = current_id(registry)
    rows = []
    folders = (
        sorted(
            (p for p in registry.glob("*") if p.is_dir() and not p.name.startswith(".")),
            reverse=True,
        )
        if registry.is_dir()
        else []
    )
    for folder in folders:
        try:
            card = verify(folder)
            status = "ok"
        except ModelError as exc:
            card, status = {}, str(exc)
            with contextlib.suppress(OSError, ValueError):
                card = json.loads((folder / CARD).read_text())
        metrics = card.get("metrics", {})
        rows.append(
            {
                "id": folder.name,
                "current": folder.name == current,
                "algorithm": card.get("algorithm"),
                "created_at": card.get("created_at"),
                "roc_auc": metrics.get("roc_auc"),
                "brier": metrics.get("brier"),
                "cutoff": card.get("cutoff"),
                "rows": card.get("rows"),
                "data_hash": str(card.get("data_hash", ""))[:12],
                "sha256": str(card.get("sha256", ""))[:12],
                "status": status,
            }
        )
    columns = [
        "id",
        "current",
        "algorithm",
        "created_at",
        "roc_auc",
        "brier",
        "cutoff",
        "rows",
        "data_hash",
        "sha256",
        "status",
    ]
    return pd.DataFrame(rows, columns=columns)


def save_artefact(obj, file: Path) -> Path:
    """Store a fitted object the library made (e.g. the precomputed segmentation) with a JSON card
    beside it holding its sha256 and library versions; written to temp files, then swapped in."""
    file = Path(file)
    card_file = file.with_name(file.name + ".card.json")
    temp = file.with_name(f".{file.name}.{uuid.uuid4().hex}.tmp")
    try:
        joblib.dump(obj, temp)
        card = {"sha256": sha256_file(temp), "versions": library_versions()}
        card_temp = temp.with_suffix(".card.tmp")
        card_temp.write_text(json.dumps(card))
        os.replace(temp, file)
        os.replace(card_temp, card_file)
    finally:
        temp.unlink(missing_ok=True)
    return file


def load_verified_bytes(data: bytes, sha256: str, label: str) -> object:
    """The one deserialiser: bytes are unpickled only when their sha256 matches the one verified
    against a card (`load_model`, `load_artefact` and the Spark executors all load through it)."""
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ModelError(
            f"checksum mismatch for {label}: the bytes changed since they were signed; retrain"
        )
    return joblib.load(io.BytesIO(data))


def load_artefact(file: Path):
    """The object `save_artefact` stored, or None when it is missing, changed since it was written,
    or saved by other library versions: only a checksum-verified file is deserialised."""
    file = Path(file)
    try:
        card = json.loads(file.with_name(file.name + ".card.json").read_text())
        if card.get("versions") != library_versions():
            return None
        return load_verified_bytes(file.read_bytes(), str(card.get("sha256")), str(file))
    except (
        ModelError,
        OSError,
        ValueError,
        EOFError,
        AttributeError,
        ImportError,
        pickle.UnpicklingError,
    ):
        return None  # a damaged or outdated file is refitted, never trusted
