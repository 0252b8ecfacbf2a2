"""Fitted objects shipped to executors once, as bytes with their sha256, and checked there.

The driver sends the registry artefact's bytes (or a joblib dump of a fitted object the library
made) in a Spark broadcast, so each executor fetches it once; on first use in a Python worker the
bytes are hashed and compared with the sha256 the driver verified against the model card before
anything is deserialised, as `registry.load_model` does locally. The loaded object is cached per
worker process by its sha256.
"""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass

import joblib

from bankml import registry
from bankml.errors import ModelError

_LOADED: dict[str, object] = {}


@dataclass(frozen=True)
class Payload:
    """Serialised fitted object, its sha256 and a label for error messages."""

    data: bytes
    sha256: str
    label: str


def registry_payload(path: str | os.PathLike | None = None) -> Payload:
    """The registry model's artefact bytes after the card and checksum checks (ModelError)."""
    card = registry.verify(path)
    folder = registry.model_folder(path)
    data = (folder / card.get("artefact", registry.ARTEFACT)).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != card["sha256"]:
        raise ModelError(f"checksum mismatch for the model in {folder}: retrain")
    return Payload(data, digest, f"model {card.get('id', folder.name)}")


def object_payload(obj: object, label: str) -> Payload:
    """A fitted object made on the driver (segmenter, recommender weights) as bytes + sha256."""
    buffer = io.BytesIO()
    joblib.dump(obj, buffer)
    data = buffer.getvalue()
    return Payload(data, hashlib.sha256(data).hexdigest(), label)


class _Local:
    """Stand-in for a Broadcast under Spark Connect (no SparkContext): the value rides in the
    closure of the job instead."""

    def __init__(self, value: Payload) -> None:
        self.value = value


def broadcast(spark, payload: Payload):
    """Broadcast the payload once per executor (classic Spark), or wrap it for Spark Connect."""
    try:
        context = spark.sparkContext
    except Exception:  # Spark Connect
        return _Local(payload)
    return context.broadcast(payload)


def load(payload: Payload) -> object:
    """The object behind payload, deserialised only after its sha256 matches; cached per process."""
    cached = _LOADED.get(payload.sha256)
    if cached is not None:
        return cached
    obj = registry.load_verified_bytes(payload.data, payload.sha256, payload.label)
    _LOADED.clear()  # one model per worker at a time: a new one replaces the old
    _LOADED[payload.sha256] = obj
    return obj
