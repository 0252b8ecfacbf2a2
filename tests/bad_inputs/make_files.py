"""Write the batch-CSV bad-input catalogue's data files (run once; the files are committed).

    .venv/bin/python -m tests.bad_inputs.make_files

Every file derives from one small set of synthetic applicants (`base.csv`), so a test can compare
each variant's PDs with the base file's.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from bankml.csvio import to_safe_csv
from synth.applicants import applicants

HERE = Path(__file__).parent / "files"
FEATURES = [
    "loan_amount", "term_months", "interest_rate", "debt_to_income", "credit_utilization",
    "open_credit_lines", "delinquencies_2y", "previous_defaults", "annual_income", "credit_score",
    "years_employed", "dependents", "tenure_months", "purpose", "employment_status", "education",
    "home_ownership",
]  # fmt: skip
NAMES = ["Zoë Müller", "José Ñúñez", "Renée Côté", "François Læ", "Ana", "Bob"]


def base() -> pd.DataFrame:
    frame = applicants(12, seed=21)[["customer_id", "name", *FEATURES]].copy()
    frame["name"] = [NAMES[i % len(NAMES)] + f" {i}" for i in range(len(frame))]
    return frame


def plain(frame: pd.DataFrame, sep: str = ",", decimal: str = ".", line: str = "\n") -> str:
    return frame.to_csv(index=False, sep=sep, decimal=decimal, lineterminator=line)


def with_cell(frame: pd.DataFrame, row: int, column: str, value) -> pd.DataFrame:
    out = frame.astype({column: object})
    out.loc[row, column] = value
    return out


def main() -> None:
    HERE.mkdir(exist_ok=True)
    b = base()
    text = plain(b)
    files: dict[str, bytes] = {
        "base.csv": text.encode(),
        "empty.csv": b"",
        "blank_lines.csv": b"\n\r\n   \n\n",
        "header_only.csv": text.splitlines()[0].encode() + b"\n",
        "one_row.csv": plain(b.head(1)).encode(),
        "png_named.csv": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(range(200)),
        "xlsx_named.csv": b"PK\x03\x04\x14\x00\x06\x00[Content_Types].xml" + bytes(50),
        "pdf_named.csv": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
        "nul_bytes.csv": text.encode()[:200] + b"\x00\x00\x00" + text.encode()[200:],
        "semicolon_decimal_comma.csv": plain(b, sep=";", decimal=",").encode(),
        "tab.tsv": plain(b, sep="\t").encode(),
        "pipe.csv": plain(b, sep="|").encode(),
        "utf8_bom.csv": text.encode("utf-8-sig"),
        "latin1.csv": text.encode("latin-1"),
        "cp1252_crlf.csv": plain(b, line="\r\n").encode("cp1252"),
        "utf16.csv": text.encode("utf-16"),
        "mixed_encoding.csv": text.encode()
        + "9999,Renée Late,".encode("latin-1")
        + b",".join(str(v).encode() for v in b.iloc[0, 2:])
        + b"\n",
        "duplicate_columns.csv": plain(b.assign(dup=b["annual_income"]))
        .replace(",dup\n", ",annual_income\n", 1)
        .encode(),
        "missing_column.csv": plain(b.drop(columns="annual_income")).encode(),
        "header_case_mismatch.csv": plain(
            b.rename(columns={"annual_income": "Annual_Income"})
        ).encode(),
        "extra_columns.csv": plain(
            b.assign(branch="North", notes="call back", score_2=1.5)
        ).encode(),
        "text_in_numeric.csv": plain(with_cell(b, 3, "annual_income", "fifty thousand")).encode(),
        "negative_amount.csv": plain(with_cell(b, 1, "loan_amount", -500)).encode(),
        "zero_amount.csv": plain(with_cell(b, 2, "loan_amount", 0)).encode(),
        "huge_amount.csv": plain(with_cell(b, 4, "loan_amount", 1e12)).encode(),
        "nan_inf_blank.csv": plain(
            with_cell(
                with_cell(
                    with_cell(with_cell(b, 1, "credit_score", "NaN"), 3, "debt_to_income", "inf"),
                    5,
                    "annual_income",
                    "-inf",
                ),
                7,
                "interest_rate",
                "",
            )
        ).encode(),  # fmt: skip
        "date_other_format.csv": plain(
            with_cell(b.assign(application_date="03/04/2025"), 6, "term_months", "2025-01-31")
        ).encode(),
        "fraction_in_integer.csv": plain(with_cell(b, 8, "term_months", 36.5)).encode(),
        "unseen_category.csv": plain(with_cell(b, 0, "purpose", "spaceship")).encode(),
        "whitespace_padding.csv": plain(
            with_cell(
                with_cell(b, 0, "purpose", "  " + b.loc[0, "purpose"] + " "),
                0,
                "annual_income",
                f" {b.loc[0, 'annual_income']} ",
            )
        ).encode(),  # fmt: skip
        "all_rows_bad.csv": plain(b.head(3).assign(credit_score=9999)).encode(),
        "ragged_rows.csv": (
            text + "1,2,3\n" + ",".join(["1"] * (len(b.columns) + 3)) + "\n"
        ).encode(),
        "one_column_colon.csv": plain(b, sep=":").encode(),
        "json_named.csv": b.head(2).to_json(orient="records").encode(),
        "html_named.csv": b"<!doctype html>\n<html><body><table><tr><td>1</td></tr></table></body></html>\n",
        "wide_10000_columns.csv": (
            ",".join(f"c{i}" for i in range(10_000)) + "\n" + ",".join(["1"] * 10_000) + "\n"
        ).encode(),
    }
    awkward = b.copy()
    awkward["name"] = [
        "王小明",
        "محمد علي",
        "Zoë 🚀",
        "Ωμέγα",
        "Иван",
        "김민준",
        *awkward["name"][6:],
    ]
    files["non_latin_names.csv"] = plain(awkward).encode()
    newline = b.copy()
    newline["name"] = [f'Line one {i}\nline "two"' if i % 2 else n for i, n in enumerate(b["name"])]
    files["quoted_newlines.csv"] = plain(newline).encode()
    formulas = [
        '=HYPERLINK("http://x")',
        "+1",
        "-2+3",
        "@SUM(A1)",
        "\t=1",
        "\r=1",
        "＝1+1",
        'a";=1+2',
        "＋1",
        "－1",
        "＠x",
        "ok",
    ]
    files["formula_cells.csv"] = (
        b.assign(name=formulas[: len(b)]).to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC).encode()
    )
    files["reupload_of_export.csv"] = to_safe_csv(
        b.assign(input_row=np.arange(1, len(b) + 1), pd=0.5, grade="C", decision="approve")
    )
    for name, payload in files.items():
        (HERE / name).write_bytes(payload)


if __name__ == "__main__":
    main()
