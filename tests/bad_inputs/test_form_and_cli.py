"""Bad-input catalogue, form and CLI boundaries.

Form: every model field at its bounds scores, and just beyond raises the input error naming the
field and its allowed range (the widget bounds are the same numbers: see tests/app).
CLI: `bankml score` and `bankml generate --applicants` with missing, malformed and out-of-range
arguments exit 2 with one line, no traceback, and write nothing.
"""

from __future__ import annotations

import re

import pytest

from bankml.cli import main
from bankml.default.features import CATEGORICAL, NUMERIC
from bankml.default.scoring import score_applicant
from bankml.errors import InputError


@pytest.fixture(scope="module")
def model(logistic_model):
    return logistic_model[0]


def bound_cases():
    for name in NUMERIC:
        for side in ("minimum", "maximum"):
            yield pytest.param(name, side, id=f"{name}-{side}")


@pytest.mark.parametrize(("name", "side"), list(bound_cases()))
def test_form_field_at_and_beyond_its_bound(model, name, side):
    spec = model.schema_.field(name)
    edge = getattr(spec, side)
    values = {**model.schema_.defaults(), name: edge}
    result = score_applicant(values, model)
    assert 0.0 <= result.pd <= 1.0 and result.decision in {"approve", "refer", "decline"}
    epsilon = spec.step if spec.integer else max(spec.step / 10, 1e-9)
    beyond = edge - epsilon if side == "minimum" else edge + epsilon
    with pytest.raises(InputError) as info:
        score_applicant({**values, name: beyond}, model)
    message = str(info.value)
    assert message.startswith(f"{name}=") and "is out of range: allowed" in message
    assert f"from {spec.minimum:,.10g}" in message or f"from {spec.minimum:.10g}" in message


@pytest.mark.parametrize("name", CATEGORICAL)
def test_form_category_outside_the_known_levels(model, name):
    spec = model.schema_.field(name)
    values = {**model.schema_.defaults(), name: spec.levels[-1]}
    assert 0.0 <= score_applicant(values, model).pd <= 1.0
    with pytest.raises(
        InputError, match=f"{name}='<b>x</b>' is not a known category: expected one of"
    ):
        score_applicant({**values, name: "<b>x</b>"}, model)


def run_cli(args: list[str], capsys) -> tuple[int, str]:
    try:
        code = main(args)
    except SystemExit as exc:  # argparse usage errors
        code = exc.code
    return code, capsys.readouterr().err


CLI_CASES = [
    (["score"], "the following arguments are required: --out"),
    (["score", "--out", "o.csv"], "one of the arguments --csv --bank is required"),
    (["score", "--csv", "in.csv"], "the following arguments are required: --out"),
    (["score", "--csv", "missing.csv", "--out", "o.csv"], "--csv missing.csv: no such file"),
    (["score", "--csv", "in.csv", "--out", "in.csv"], "would overwrite the input file"),
    (["score", "--csv", "in.csv", "--out", "folder"], "--out folder: is a folder"),
    (
        ["score", "--csv", "in.csv", "--out", "o.csv", "--model", "nowhere"],
        "no model registry at nowhere",
    ),
    (["score", "--csv", "in.csv", "--out", "o.csv", "--bogus"], "unrecognized arguments: --bogus"),
    (
        ["generate", "--applicants", "0", "--out", "a.csv"],
        "--applicants: 0 is out of range: allowed 1..1000000",
    ),
    (
        ["generate", "--applicants", "ten", "--out", "a.csv"],
        "--applicants: 'ten' is not an integer",
    ),
    (
        ["generate", "--applicants", "5", "--shift", "boom", "--out", "a.csv"],
        "--shift: invalid choice: 'boom'",
    ),
    (["generate", "--applicants", "5"], "--applicants needs --out FILE"),
    (["generate", "--applicants", "5", "--out", "folder"], "--out folder: is a folder"),
    (["generate", "--out", "a.csv"], "--out and --shift only apply with --applicants N"),
    (["generate", "--shift", "rate_rise"], "--out and --shift only apply with --applicants N"),
]


@pytest.mark.parametrize(
    ("args", "message"), CLI_CASES, ids=lambda v: " ".join(v) if isinstance(v, list) else ""
)
def test_cli_bad_arguments(args, message, tmp_path, monkeypatch, capsys, logistic_bank_model):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BANKML_DB", str(tmp_path / "bank.duckdb"))
    monkeypatch.setenv("BANKML_MODELS", str(logistic_bank_model))
    (tmp_path / "in.csv").write_text("a,b\n1,2\n")
    (tmp_path / "folder").mkdir()
    before = sorted(p.name for p in tmp_path.iterdir())
    code, err = run_cli(args, capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert re.search(re.escape(message), lines[0]), lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == before, "a failed command wrote a file"
