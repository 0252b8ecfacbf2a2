"""Bad-input catalogue, batch-CSV boundary: every file through `bankml score`, in process.

Each case asserts the specific outcome (a one-line error naming the problem, or exactly which rows
were scored, rejected or warned about) and that nothing else changed: the input file, the model
registry and the bank are byte-identical afterwards, and a failed run writes no output file.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bankml.cli import main
from bankml.data import bank_info

FILES = Path(__file__).parent / "files"
BASE_ROWS = 12


@dataclass(frozen=True)
class Case:
    file: str
    error: str | None = None  # regex the one stderr line must match
    scored: int = BASE_ROWS
    rejected: tuple[tuple[int, str, str], ...] = ()  # (row, column, reason start)
    warnings: tuple[tuple[int, str], ...] = ()
    same_pd: bool = False  # PDs equal the base file's for the rows scored
    rows: int = BASE_ROWS
    extra: tuple[str, ...] = field(default=("customer_id", "name"))


CASES = [
    Case("empty.csv", error="empty.csv: the file is empty: no rows"),
    Case("blank_lines.csv", error="blank_lines.csv: the file is empty: no rows"),
    Case("header_only.csv", error="header_only.csv: the file has a header but no rows"),
    Case("png_named.csv", error="not a text CSV file: its content looks like a PNG image"),
    Case("xlsx_named.csv", error="not a text CSV file: .*ZIP archive .*save it as CSV"),
    Case("pdf_named.csv", error="not a text CSV file: its content looks like a PDF document"),
    Case("nul_bytes.csv", error="not a text CSV file: it contains binary \\(NUL\\) bytes"),
    Case("mixed_encoding.csv", error="mixed text encodings: line 14 is not UTF-8"),
    Case("duplicate_columns.csv", error="duplicate column name\\(s\\): annual_income"),
    Case(
        "missing_column.csv",
        error="missing required column\\(s\\): annual_income\\. Required columns: loan_amount, ",
    ),
    Case(
        "header_case_mismatch.csv",
        error="check the spelling of annual_income \\(found 'Annual_Income'\\)",
    ),
    Case(
        "ragged_rows.csv",
        error="not a well-formed CSV \\(line 15 has 22 fields, the header has 19\\)",
    ),
    Case("one_column_colon.csv", error="only one column was found .*delimiter was not recognised"),
    Case("json_named.csv", error="json_named.csv: not a CSV file: its content looks like JSON"),
    Case("html_named.csv", error="html_named.csv: not a CSV file: its content looks like HTML"),
    Case("wide_10000_columns.csv", error="10,000 columns, over the limit of 500"),
    Case(
        "all_rows_bad.csv",
        error="none of the 3 rows is valid; every problem is listed in",
        scored=0,
    ),
    Case("base.csv", same_pd=True),
    Case("one_row.csv", same_pd=True, scored=1, rows=1),
    Case("semicolon_decimal_comma.csv", same_pd=True),
    Case("tab.tsv", same_pd=True),
    Case("pipe.csv", same_pd=True),
    Case("utf8_bom.csv", same_pd=True),
    Case("latin1.csv", same_pd=True),
    Case("cp1252_crlf.csv", same_pd=True),
    Case("utf16.csv", same_pd=True),
    Case("quoted_newlines.csv", same_pd=True),
    Case("non_latin_names.csv", same_pd=True),
    Case("whitespace_padding.csv", same_pd=True),
    Case("formula_cells.csv", same_pd=True),
    Case(
        "extra_columns.csv",
        same_pd=True,
        extra=("customer_id", "name", "branch", "notes", "score_2"),
    ),
    Case(
        "reupload_of_export.csv",
        same_pd=True,
        extra=(
            "customer_id",
            "name",
            "input_row (uploaded)",
            "pd (uploaded)",
            "grade (uploaded)",
            "decision (uploaded)",
        ),
    ),
    Case("text_in_numeric.csv", scored=11, rejected=((4, "annual_income", "not a number"),)),
    Case("negative_amount.csv", scored=11, rejected=((2, "loan_amount", "out of range"),)),
    Case("zero_amount.csv", scored=11, rejected=((3, "loan_amount", "out of range"),)),
    Case("huge_amount.csv", scored=11, rejected=((5, "loan_amount", "out of range"),)),
    Case(
        "nan_inf_blank.csv",
        scored=8,
        rejected=(
            (2, "credit_score", "not a number"),
            (4, "debt_to_income", "infinite value"),
            (6, "annual_income", "infinite value"),
            (8, "interest_rate", "missing value"),
        ),
    ),
    Case(
        "date_other_format.csv",
        scored=11,
        rejected=((7, "term_months", "not a number"),),
        extra=("customer_id", "name", "application_date"),
    ),
    Case(
        "fraction_in_integer.csv", scored=11, rejected=((9, "term_months", "not a whole number"),)
    ),
    Case("unseen_category.csv", scored=12, warnings=((1, "purpose"),)),
]


def digest(path: Path) -> str:
    if path.is_dir():
        return hashlib.sha256(
            "".join(
                f"{p.relative_to(path)}:{digest(p)}" for p in sorted(path.rglob("*")) if p.is_file()
            ).encode()
        ).hexdigest()
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def registry(logistic_bank_model) -> Path:
    return logistic_bank_model


def score(
    source: Path, out: Path, registry: Path, bank: Path, capsys
) -> tuple[int, dict | None, str]:
    args = ["score", "--csv", str(source), "--out", str(out), "--model", str(registry)]
    code = main([*args, "--db", str(bank), "--json"])
    captured = capsys.readouterr()
    payload = json.loads(captured.out) if code == 0 else None
    return code, payload, captured.err


@pytest.fixture(scope="module")
def base_pd(registry, small_bank_path, tmp_path_factory) -> pd.DataFrame:
    out = tmp_path_factory.mktemp("base") / "out.csv"
    args = ["score", "--csv", str(FILES / "base.csv"), "--out", str(out), "--model", str(registry)]
    assert main(args) == 0
    return pd.read_csv(out).set_index("input_row")


def test_catalogue_covers_every_data_file():
    assert {c.file for c in CASES} == {p.name for p in FILES.iterdir()}
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.file)
def test_batch_csv_case(case, registry, small_bank_path, base_pd, tmp_path, capsys):
    source = FILES / case.file
    before = (digest(source), digest(registry), bank_info(small_bank_path).content_hash)
    out = tmp_path / "scored.csv"
    errors_file = tmp_path / "scored.errors.csv"
    code, payload, err = score(source, out, registry, small_bank_path, capsys)
    after = (digest(source), digest(registry), bank_info(small_bank_path).content_hash)
    assert after == before, "the input file, the model or the bank changed"
    assert "Traceback" not in err
    if case.error:
        assert code == 2
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("bankml score: error: "), err
        assert re.search(case.error, lines[0]), lines[0]
        assert not out.exists()
        assert errors_file.exists() == (case.file == "all_rows_bad.csv")
        return
    assert code == 0, err
    assert payload["scored"] == case.scored
    assert payload["extra_columns"] == list(case.extra)
    scored = pd.read_csv(out, keep_default_na=False)
    assert len(scored) == case.scored
    bad_rows = sorted({r for r, _, _ in case.rejected})
    assert scored["input_row"].tolist() == [r for r in range(1, case.rows + 1) if r not in bad_rows]
    assert scored["pd"].map(float).between(0, 1).all()
    if case.rejected or case.warnings:
        issues = pd.read_csv(errors_file, keep_default_na=False)
        errors = issues[issues["severity"] == "error"]
        assert [(r, c) for r, c, _ in case.rejected] == list(
            zip(errors["row"], errors["column"], strict=True)
        )
        for (_, _, reason), text in zip(case.rejected, errors["reason"], strict=True):
            assert text.startswith(reason)
        warned = issues[issues["severity"] == "warning"]
        assert list(case.warnings) == list(zip(warned["row"], warned["column"], strict=True))
    else:
        assert not errors_file.exists()
    if case.same_pd:
        expected = base_pd.loc[scored["input_row"], "pd"].to_numpy()
        assert np.array_equal(scored["pd"].map(float).to_numpy(), expected)
    else:  # the rows that stayed valid score exactly as in the base file
        expected = base_pd.loc[scored["input_row"], "pd"].to_numpy()
        same = scored["input_row"].isin([r for r, _ in case.warnings])
        assert np.array_equal(scored["pd"].map(float).to_numpy()[~same], expected[~same])


def test_names_round_trip_and_formulas_are_neutralised(registry, small_bank_path, tmp_path, capsys):
    for name, column in [
        ("non_latin_names.csv", "name"),
        ("quoted_newlines.csv", "name"),
        ("latin1.csv", "name"),
    ]:
        out = tmp_path / f"{name}.out.csv"
        assert score(FILES / name, out, registry, small_bank_path, capsys)[0] == 0
        source = (FILES / name).read_bytes().decode("utf-8" if name != "latin1.csv" else "latin-1")
        expected = pd.read_csv(io.StringIO(source), keep_default_na=False)[column].tolist()
        assert pd.read_csv(out, keep_default_na=False)[column].tolist() == expected
    out = tmp_path / "formula.out.csv"
    assert score(FILES / "formula_cells.csv", out, registry, small_bank_path, capsys)[0] == 0
    raw = out.read_bytes()
    names = pd.read_csv(io.BytesIO(raw), keep_default_na=False)["name"].tolist()
    original = pd.read_csv(FILES / "formula_cells.csv", keep_default_na=False)["name"].tolist()
    risky = tuple("=+-@\t\r＝＋－＠")
    assert names == [("'" + n) if n.startswith(risky) else n for n in original]
    assert b'"a"";=1+2"' in raw and not raw.startswith(b"ID")
    assert raw.decode("utf-8").count("\r\n") >= BASE_ROWS + 1


def test_a_one_megabyte_cell_parses(registry, small_bank_path, tmp_path, capsys):
    frame = pd.read_csv(FILES / "base.csv")
    frame.loc[0, "name"] = "x" * 1_000_000
    source = tmp_path / "long.csv"
    source.write_text(frame.to_csv(index=False))
    out = tmp_path / "long.out.csv"
    assert score(source, out, registry, small_bank_path, capsys)[0] == 0
    assert pd.read_csv(out)["name"].iloc[0] == "x" * 1_000_000


@pytest.mark.parametrize(
    ("limit", "message"),
    [
        ({"max_rows": 5}, "more than 5 rows; split the file"),
        ({"max_bytes": 1000}, "the file is 1.6 kB, over the 1.0 kB upload limit"),
    ],
)
def test_row_and_size_caps(logistic_model, limit, message):
    from bankml.default.scoring import score_batch
    from bankml.errors import InputError

    model = logistic_model[0]
    with pytest.raises(InputError, match=message):
        score_batch((FILES / "base.csv").read_bytes(), model, name="base.csv", **limit)
