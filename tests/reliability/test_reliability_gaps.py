"""RELIABILITY.md clauses the rest of the suite did not assert (see tests/reliability/COVERAGE.md).

Each test names the item it completes. They reuse the session's small bank (3,000 customers,
seed 7) and the bad-input catalogue's trained registry, copied before anything is tampered with.
"""

from __future__ import annotations

import json
import pickle
import re
import shutil
import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pytest

from bankml import registry
from bankml.cli import main
from bankml.csvio import to_safe_csv
from bankml.errors import ModelError
from bankml.scoring import score_batch
from synth.applicants import applicants
from tests.bad_inputs.helpers import trained_model, trained_registry

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def model_and_card(small_bank_path):
    return trained_model(str(small_bank_path))


@pytest.fixture()
def models(small_bank_path, tmp_path) -> Path:
    """A private copy of the trained registry, free to tamper with."""
    copy = tmp_path / "models"
    shutil.copytree(trained_registry(str(small_bank_path)), copy)
    return copy


def _cli(args: list[str], capsys) -> tuple[int, str]:
    try:
        code = main(args)
    except SystemExit as exc:
        code = exc.code
    return code, capsys.readouterr().err


# ---- 7: 1,000 rows with 7 bad ones through the whole scoring path ------------------------------


def test_seven_bad_rows_in_a_thousand_get_no_pd_and_the_rest_are_scored(model_and_card):
    model = model_and_card[0]
    frame = applicants(1000, seed=3).astype(
        {"annual_income": object, "debt_to_income": object, "term_months": object}
    )
    # credit_score stands in for "age 250": age is a protected attribute, not a model input
    bad = {
        10: ("annual_income", "fifty thousand", "not a number"),
        20: ("annual_income", -5, "out of range"),
        30: ("debt_to_income", np.nan, "missing value"),
        40: ("debt_to_income", np.inf, "infinite value"),
        50: ("annual_income", -np.inf, "infinite value"),
        60: ("credit_score", 2500, "out of range"),
        70: ("term_months", "03/04/2025", "not a number"),
    }
    for index, (column, value, _) in bad.items():
        frame.loc[index, column] = value
    frame.loc[80, "purpose"] = "spaceship"  # unseen category: a warning, the row is still scored
    result = score_batch(to_safe_csv(frame), model, name="thousand.csv")
    scored = result.scored
    assert len(scored) == 993
    bad_rows = [i + 1 for i in bad]
    assert result.report.rejected_rows == bad_rows
    assert not set(scored["input_row"]) & set(bad_rows)  # bad rows get no PD
    assert 81 in set(scored["input_row"])
    expected_ids = frame["customer_id"].drop(index=list(bad)).tolist()
    assert scored["customer_id"].tolist() == expected_ids
    assert np.isfinite(scored["pd"].to_numpy(float)).all()
    errors = result.report.errors
    for index, (column, _, reason) in bad.items():
        hit = errors[errors["row"] == index + 1]
        assert hit["column"].tolist() == [column]
        assert hit["reason"].iloc[0].startswith(reason), hit["reason"].iloc[0]
    warned = result.report.warnings
    assert warned[["row", "column"]].values.tolist() == [[81, "purpose"]]


# ---- 8: shape abuse fails fast with bounded memory -------------------------------------------

SHAPE_PROBE = """
import resource, sys, time
from bankml.csvio import read_csv_upload
from bankml.errors import InputError
kind = sys.argv[1]
if kind == "wide":
    raw = (",".join(f"c{i}" for i in range(10_000)) + "\\n" + ",".join(["1"] * 10_000) + "\\n") * 3
    limits = {}
else:
    raw = b"a,b\\n" + b"1,2\\n" * 200_000
    limits = {"max_rows": 100_000}
raw = raw.encode() if isinstance(raw, str) else raw
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
try:
    read_csv_upload(raw, name="abuse.csv", **limits)
    message = "accepted"
except InputError as exc:
    message = str(exc)
seconds = time.perf_counter() - start
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(repr((message, seconds, grown, len(raw))))
"""


@pytest.mark.parametrize(
    ("kind", "message"),
    [("wide", "10,000 columns, over the limit of 500"), ("tall", "more than 100,000 rows")],
)
def test_shape_abuse_fails_within_two_seconds_with_bounded_memory(kind, message):
    """A safety bound, not a benchmark: the refusal must not parse the whole file first."""
    done = subprocess.run(
        [sys.executable, "-c", SHAPE_PROBE, kind],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    text, seconds, grown_kib, size = eval(done.stdout.strip().splitlines()[-1])
    assert message in text
    assert seconds < 2.0, seconds
    # peak RSS grows by far less than a frame of the file would need (a few times its size)
    assert grown_kib * 1024 < max(50 * 1024 * 1024, 10 * size), (grown_kib, size)


# ---- 17: nothing but a card-verified artefact is ever deserialised -----------------------------


class _Payload:
    def __init__(self, sentinel: Path) -> None:
        self.sentinel = sentinel

    def __reduce__(self):
        return (open, (str(self.sentinel), "w"))


def test_a_cardless_pickle_made_current_is_never_loaded(models, tmp_path, capsys, small_bank_path):
    sentinel = tmp_path / "sentinel"
    evil = models / "evil-model"
    evil.mkdir()
    (evil / "model.joblib").write_bytes(pickle.dumps(_Payload(sentinel)))
    (models / registry.CURRENT).write_text("evil-model")
    assert registry.current_id(models) == "evil-model"
    with pytest.raises(ModelError, match="missing card.*retrain"):
        registry.load_model(models)
    code, err = _cli(
        ["score", "--csv", str(ROOT / "tests/bad_inputs/files/base.csv"),
         "--out", str(tmp_path / "out.csv"), "--model", str(models), "--db", str(small_bank_path)],
        capsys,
    )  # fmt: skip
    assert code == 2 and len(err.strip().splitlines()) == 1 and "missing card" in err
    assert "Traceback" not in err and not (tmp_path / "out.csv").exists()
    assert not sentinel.exists()


def test_a_card_naming_another_artefact_with_a_forged_checksum_is_refused(models, tmp_path):
    """An attacker who rewrites the card to point at a pickle still needs the card's sha256 to match,
    and the version and feature checks run before joblib; here the card keeps the old sha256."""
    sentinel = tmp_path / "sentinel"
    folder = registry.model_folder(models)
    (folder / "payload.pkl").write_bytes(pickle.dumps(_Payload(sentinel)))
    card = json.loads((folder / "card.json").read_text())
    (folder / "card.json").write_text(json.dumps({**card, "artefact": "payload.pkl"}))
    with pytest.raises(ModelError, match="checksum mismatch"):
        registry.load_model(models)
    assert not sentinel.exists()


def test_no_model_upload_and_no_other_deserialiser():
    """No page accepts a model file, and the library loads models only through registry.load_model."""
    pages = [*ROOT.glob("pages/*.py"), ROOT / "streamlit_app.py"]
    for path in pages:
        for types in re.findall(r"file_uploader\([^)]*type=\[([^\]]*)\]", path.read_text()):
            assert not re.search(r"pkl|pickle|joblib|skops|sav|model", types), (path, types)
    for path in ROOT.glob("bankml/**/*.py"):
        text = path.read_text()
        assert "import skops" not in text and "pickle.load" not in text, path
        assert "allow_pickle=True" not in text, path
        if path.name != "registry.py":
            assert "joblib.load" not in text, path


# ---- 18: a pickle from another scikit-learn, behind a card that claims this one ---------------


def _repickle_as_other_sklearn(models: Path, monkeypatch) -> None:
    """Re-save the artefact as if by scikit-learn 1.0.2 and re-sign the card (versions untouched)."""
    import sklearn.base

    folder = registry.model_folder(models)
    artefact = folder / "model.joblib"
    model = joblib.load(artefact)
    with monkeypatch.context() as patch:  # estimators record this version in their pickled state
        patch.setattr(sklearn.base, "__version__", "1.0.2")
        joblib.dump(model, artefact)
    card = json.loads((folder / "card.json").read_text())
    card["sha256"] = registry.sha256_file(artefact)  # the checksum and card versions say "fine"
    (folder / "card.json").write_text(json.dumps(card))
    assert registry.verify(models)["sha256"] == card["sha256"]


def test_inconsistent_version_warning_is_a_retrain_error(models, monkeypatch, capsys, tmp_path):
    _repickle_as_other_sklearn(models, monkeypatch)
    with pytest.raises(ModelError, match="(?s)from another library version.*1\\.0\\.2.*retrain"):
        registry.load_model(models)
    code, err = _cli(
        ["score", "--csv", str(ROOT / "tests/bad_inputs/files/base.csv"),
         "--out", str(tmp_path / "out.csv"), "--model", str(models)],
        capsys,
    )  # fmt: skip
    assert code == 2 and "retrain" in err and "Traceback" not in err
    assert not (tmp_path / "out.csv").exists()


# ---- 19: the card records everything, and the CLI refuses a card that lacks any of it ----------


def test_card_records_every_manifest_item(model_and_card):
    model, card = model_and_card
    assert {"python", "sklearn", "numpy", "bankml"} <= set(card["versions"])
    assert all(card["versions"][k] for k in ("python", "sklearn", "numpy", "bankml"))
    assert card["features"] == list(model.features_)
    assert set(card["feature_dtypes"]) == set(card["features"])
    assert isinstance(card["seed"], int)
    assert re.fullmatch(r"[0-9a-f]{64}", card["sha256"])
    assert card["data_hash"] and {"roc_auc", "brier"} <= set(card["metrics"])


@pytest.mark.parametrize(
    "key", ["sha256", "features", "schema", "versions", "data_hash", "seed", "metrics"]
)
def test_cli_refuses_a_card_missing_a_manifest_item(models, key, capsys, tmp_path):
    folder = registry.model_folder(models)
    card = json.loads((folder / "card.json").read_text())
    del card[key]
    (folder / "card.json").write_text(json.dumps(card))
    code, err = _cli(
        ["score", "--csv", str(ROOT / "tests/bad_inputs/files/base.csv"),
         "--out", str(tmp_path / "out.csv"), "--model", str(models)],
        capsys,
    )  # fmt: skip
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert f"incomplete card in {folder} (no {key}): retrain" in err
    assert not (tmp_path / "out.csv").exists()
