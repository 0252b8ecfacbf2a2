"""bankml.csvio: content sniffing, encodings, delimiters and the formula-safe export."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from bankml.csvio import neutralise, read_csv_upload, to_safe_csv
from bankml.errors import InputError

ROWS = [("Zoë Müller", 52000.5, 12), ("José Ñúñez", 31000.0, 36), ("Ana", 1200.25, 60)]
COMMA = "name,annual_income,term_months\n" + "".join(f"{n},{i},{t}\n" for n, i, t in ROWS)


def reference() -> pd.DataFrame:
    return read_csv_upload(COMMA.encode("utf-8"))


def test_comma_file_parses_with_numbers_as_numbers():
    frame = reference()
    assert list(frame.columns) == ["name", "annual_income", "term_months"]
    assert frame["annual_income"].tolist() == [52000.5, 31000.0, 1200.25]
    assert frame.attrs["delimiter"] == ","


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "latin-1", "cp1252", "utf-16-le"])
def test_every_encoding_gives_the_same_frame(encoding):
    frame = read_csv_upload(COMMA.encode(encoding))
    assert "\ufeff" not in frame.columns[0]
    pd.testing.assert_frame_equal(frame, reference())


def test_mixed_encodings_fail_instead_of_mojibake():
    raw = COMMA.encode("utf-8") + "Renée,1,12\n".encode("latin-1")
    with pytest.raises(InputError, match="mixed text encodings: line 5"):
        read_csv_upload(raw)


@pytest.mark.parametrize(("sep", "decimal"), [(";", ","), ("\t", "."), ("|", "."), (";", ".")])
def test_delimiters_give_the_same_numbers(sep, decimal):
    text = f"name{sep}annual_income{sep}term_months\n" + "".join(
        f"{n}{sep}{str(i).replace('.', decimal)}{sep}{t}\n" for n, i, t in ROWS
    )
    frame = read_csv_upload(text.encode())
    assert frame.attrs["delimiter"] == sep
    pd.testing.assert_frame_equal(frame, reference())


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "empty"),
        (b"\n\r\n  \n", "empty"),
        (b"name,annual_income\n", "header but no rows"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "not a text CSV file: .*PNG"),
        (b"PK\x03\x04rest", "not a text CSV file: .*ZIP"),
        (b"a,b\n1,\x00\x00\x012\n", "not a text CSV file"),
        (b"a,b\n1,2,3,4\n", "not a well-formed CSV"),
    ],
)
def test_bad_files_raise_input_error(raw, message):
    with pytest.raises(InputError, match=message):
        read_csv_upload(raw, name="loans.csv")


def test_duplicate_columns_are_named():
    with pytest.raises(InputError, match="duplicate column name.*: loan_amount"):
        read_csv_upload(b"loan_amount,x,loan_amount\n1,2,3\n")


def test_column_and_row_caps():
    wide = ",".join(f"c{i}" for i in range(10_000)).encode() + b"\n" + b"1," * 9_999 + b"1\n"
    with pytest.raises(InputError, match="10,000 columns, over the limit of 500"):
        read_csv_upload(wide)
    tall = b"a\n" + b"1\n" * 101
    with pytest.raises(InputError, match="more than 100 rows"):
        read_csv_upload(tall, max_rows=100)
    with pytest.raises(InputError, match="the file is 0.2 kB, over the 0.1 kB upload limit"):
        read_csv_upload(tall, max_bytes=100)


def test_awkward_text_round_trips():
    names = ["王小明", "محمد علي", "Zoë 🚀", 'line one\nline "two"', "x" * 1_000_000, "NA"]
    frame = pd.DataFrame({"name": names, "loan_amount": [1.5, 2, 3, 4, 5, 6]})
    parsed = read_csv_upload(to_safe_csv(frame))
    assert parsed["name"].tolist() == names
    assert parsed["loan_amount"].tolist() == [1.5, 2, 3, 4, 5, 6]


FORMULAS = [
    '=HYPERLINK("http://x")',
    "+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "＝1+1",
    "＋1",
    "－1",
    "＠x",
]


def test_formula_cells_are_neutralised_and_numbers_stay_numbers():
    frame = pd.DataFrame(
        {
            "name": [*FORMULAS, 'a";=1+2', "plain"],
            "pd": np.linspace(0.01, 0.9, len(FORMULAS) + 2),
            "amount": [-5.0] * (len(FORMULAS) + 2),
        }
    )
    raw = to_safe_csv(frame)
    text = raw.decode("utf-8")
    assert not text.startswith("ID")
    assert "\r\n" in text
    back = pd.read_csv(io.BytesIO(raw), keep_default_na=False)
    assert back["name"].tolist() == [*("'" + f for f in FORMULAS), 'a";=1+2', "plain"]
    assert '"a"";=1+2"' in text
    assert back["pd"].tolist() == frame["pd"].tolist()
    assert back["amount"].tolist() == [-5.0] * len(frame)
    assert ",-5.0" in text  # a negative number is written plain, not neutralised


def test_header_never_starts_with_id_and_headers_are_neutralised():
    raw = to_safe_csv(pd.DataFrame({"ID": [1], "=cmd": ["x"]}))
    assert raw.startswith(b'"ID"')
    assert b'"\'=cmd"' in raw


def test_neutralise_leaves_numbers_and_missing_alone():
    values = pd.Series(["=1", None, "ok"], dtype=object)
    assert neutralise(values).tolist() == ["'=1", None, "ok"]
    numbers = pd.Series([-1.0, 2.0])
    assert neutralise(numbers) is numbers


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_CSV_ALPHABET = st.sampled_from(list(',;\t|"\n\r =+-@.0123456789abcé王\ufeff\x00'))


@settings(max_examples=300, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.binary(max_size=400),
        st.text(_CSV_ALPHABET, max_size=400).map(lambda t: t.encode("utf-8")),
        st.text(_CSV_ALPHABET, max_size=200).map(lambda t: t.encode("utf-16")),
    )
)
def test_reader_is_total_on_arbitrary_bytes(raw):
    """Any bytes give a frame with unique string column names, or InputError: nothing else."""
    try:
        frame = read_csv_upload(raw, name="fuzz.csv")
    except InputError as exc:
        assert str(exc).startswith("fuzz.csv: ")
        return
    assert len(frame) >= 1
    names = [str(c) for c in frame.columns]
    assert len(set(names)) == len(names)
    assert not names[0].startswith("\ufeff")
