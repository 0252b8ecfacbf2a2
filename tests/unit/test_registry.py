"""The model registry: round trip, current pointer, and refusal of tampered or foreign artefacts."""

from __future__ import annotations

import json
import pickle
from unittest import mock

import pytest

from bankml import model_card, registry
from bankml.errors import ModelError

SENTINEL_NAME = "bankml-unsafe-sentinel"


@pytest.fixture(scope="module")
def trained(quick_bank_model):
    """The run's shared quick TrainResult (built once for the model and page tests too)."""
    return quick_bank_model[0]


@pytest.fixture()
def saved(trained, tmp_path):
    card = model_card.make_card(trained, "abc123", source="test")
    folder = registry.save_model(
        trained.model, card, tmp_path / "models", validation=trained.validation
    )
    return tmp_path / "models", folder


def test_round_trip_marks_current_and_records_a_complete_card(saved, trained):
    reg, folder = saved
    model, card = registry.load_model(reg)
    assert registry.current_id(reg) == folder.name == card["id"]
    for key in (
        "sha256",
        "data_hash",
        "features",
        "schema",
        "parameters",
        "metrics",
        "cutoff",
        "seed",
        "created_at",
    ):
        assert key in card, key
    assert {"python", "sklearn", "numpy", "bankml"} <= set(card["versions"])
    import catboost
    import lightgbm

    # the tree libraries whose pickles the artefact may hold are recorded at their pinned versions
    assert card["versions"]["lightgbm"] == lightgbm.__version__
    assert card["versions"]["catboost"] == catboost.__version__
    assert card["sha256"] == registry.sha256_file(folder / "model.joblib")
    frame = trained.validation
    assert model.cutoff_ == trained.model.cutoff_
    model_again, _ = registry.load_model(folder)  # a model folder works too
    assert model_again.features_ == trained.model.features_
    validation = registry.load_validation(folder)
    assert len(validation) == len(frame)


def _refuses_before_deserialising(path, message):
    with (
        mock.patch("bankml.registry.joblib.load") as load,
        pytest.raises(ModelError, match=message),
    ):
        registry.load_model(path)
    load.assert_not_called()


def test_flipped_byte_is_refused_before_joblib_runs(saved):
    reg, folder = saved
    artefact = folder / "model.joblib"
    data = bytearray(artefact.read_bytes())
    data[len(data) // 2] ^= 0xFF
    artefact.write_bytes(bytes(data))
    _refuses_before_deserialising(reg, "checksum mismatch.*retrain")


def test_truncated_artefact_is_refused(saved):
    reg, folder = saved
    artefact = folder / "model.joblib"
    artefact.write_bytes(artefact.read_bytes()[:100])
    _refuses_before_deserialising(reg, "checksum mismatch")


def test_missing_card_is_refused(saved):
    reg, folder = saved
    (folder / "card.json").unlink()
    _refuses_before_deserialising(folder, "missing card")


def test_unsafe_pickle_in_place_of_the_model_never_runs(saved, tmp_path):
    reg, folder = saved
    sentinel = tmp_path / SENTINEL_NAME

    class Payload:
        def __reduce__(self):
            return (open, (str(sentinel), "w"))

    (folder / "model.joblib").write_bytes(pickle.dumps(Payload()))
    with pytest.raises(ModelError, match="checksum mismatch"):
        registry.load_model(reg)
    assert not sentinel.exists()


def test_other_sklearn_version_is_refused(saved):
    reg, folder = saved
    card = json.loads((folder / "card.json").read_text())
    card["versions"]["sklearn"] = "0.24.2"
    (folder / "card.json").write_text(json.dumps(card))
    _refuses_before_deserialising(reg, "scikit-learn 0.24.2.*retrain")


def test_feature_mismatch_is_refused(saved, trained):
    reg, _ = saved
    with pytest.raises(ModelError, match="other features"):
        registry.load_model(reg, expected_features=[*trained.model.features_, "new_column"])


def test_no_registry_or_no_current_model_is_a_clean_error(tmp_path):
    with pytest.raises(ModelError, match="bankml train"):
        registry.load_model(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="no current model"):
        registry.load_model(tmp_path / "empty")


def test_list_and_switch_current(saved, trained):
    reg, first = saved
    card = model_card.make_card(trained, "def456", source="test")
    second = registry.save_model(trained.model, {**card, "note": "second"}, reg)
    listing = registry.list_models(reg)
    assert set(listing["id"]) == {first.name, second.name}
    assert listing.set_index("id").loc[second.name, "current"]
    registry.set_current(first.name, reg)
    assert registry.current_id(reg) == first.name
    with pytest.raises(ModelError):
        registry.set_current("no-such-model", reg)


def test_half_written_model_folder_is_invisible_and_swept(saved):
    reg, folder = saved
    (reg / ".tmp-deadbeef").mkdir()
    (reg / ".tmp-deadbeef" / "model.joblib").write_bytes(b"partial")
    assert list(registry.list_models(reg)["id"]) == [folder.name]
    assert registry.sweep_temp(reg) == 1
    assert not (reg / ".tmp-deadbeef").exists()
    registry.load_model(reg)  # the champion still verifies


def test_artefact_round_trip_and_a_changed_file_is_never_deserialised(tmp_path):
    file = registry.save_artefact({"k": 3}, tmp_path / "fit.joblib")
    assert registry.load_artefact(file) == {"k": 3}
    file.write_bytes(file.read_bytes() + b"\0")  # one byte appended after signing
    with mock.patch("bankml.registry.joblib.load") as load:
        assert registry.load_artefact(file) is None
    load.assert_not_called()
    assert registry.load_artefact(tmp_path / "missing.joblib") is None


def test_verified_bytes_refuse_a_wrong_checksum_before_unpickling(tmp_path):
    sentinel = tmp_path / SENTINEL_NAME

    class Payload:
        def __reduce__(self):
            return (open, (str(sentinel), "w"))

    data = pickle.dumps(Payload())
    with pytest.raises(ModelError, match="checksum mismatch for payload"):
        registry.load_verified_bytes(data, "0" * 64, "payload")
    assert not sentinel.exists()
