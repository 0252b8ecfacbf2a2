"""The batch-CSV boundary: sniff an upload's bytes before parsing, and export formula-safe CSV.

Streamlit checks only the file extension, so a PNG renamed `.csv` arrives here; content decides.
Every failure is an InputError naming the file and what to do, never a parser traceback.
"""

from __future__ import annotations

import csv
import io
import re

import pandas as pd

from bankml.errors import InputError

MAX_ROWS = 1_000_000
MAX_COLUMNS = 500
MAX_BYTES = 200 * 1024 * 1024
DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}

_MAGIC = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx file is one: save it as CSV)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel/Office file (save it as CSV)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"SQLite format 3", "a SQLite database"),
    (b"\x7fELF", "a program"),
)
# A UTF-8 multi-byte sequence: seeing these in a file that is not valid UTF-8 means mixed encodings.
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# OWASP CSV injection: cells a spreadsheet would treat as a formula (full-width forms included).
_FORMULA_START = re.compile("^[=+\\-@\t\r\n\uff1d\uff0b\uff0d\uff20]")


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.1f} kB"


def _decode(raw: bytes, name: str) -> tuple[str, str]:
    """Bytes -> (text, encoding name); UTF-8 when it decodes, else cp1252, never silent mojibake."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise InputError(f"{name}: starts with a UTF-16 mark but is not valid UTF-16") from exc
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{name}: starts with a UTF-8 mark but byte {exc.start} is not UTF-8; "
                "save the file as UTF-8"
            ) from exc
    for magic, kind in _MAGIC:
        if raw.startswith(magic):
            raise InputError(f"{name}: not a text CSV file: its content looks like {kind}")
    sample = raw[:4096]
    if b"\x00" in sample:
        odd, even = sample[1::2], sample[0::2]
        if len(sample) >= 4 and odd.count(0) > 0.9 * len(odd) and even.count(0) == 0:
            return _decode_strict(raw, "utf-16-le", name), "utf-16-le"
        if len(sample) >= 4 and even.count(0) > 0.9 * len(even) and odd.count(0) == 0:
            return _decode_strict(raw, "utf-16-be", name), "utf-16-be"
        raise InputError(f"{name}: not a text CSV file: it contains binary (NUL) bytes")
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if _UTF8_SEQUENCE.search(raw):
            line = raw[: exc.start].count(b"\n") + 1
            raise InputError(
                f"{name}: mixed text encodings: line {line} is not UTF-8 while other lines are; "
                "save the whole file as UTF-8"
            ) from None
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def _decode_strict(raw: bytes, encoding: str, name: str) -> str:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: looks like {encoding} text but does not decode as it") from exc


def _reject_other_formats(text: str, name: str) -> None:
    """Text that is plainly JSON, HTML or XML, named .csv, gets a clear message, not a bad parse."""
    start = text.lstrip()[:512].lower()
    if start.startswith(("{", "[")) and re.match(r'[\[{]\s*[\[{"]', start):
        raise InputError(f"{name}: not a CSV file: its content looks like JSON; export it as CSV")
    if start.startswith(("<!doctype html", "<html", "<?xml", "<")) and ">" in start:
        raise InputError(
            f"{name}: not a CSV file: its content looks like HTML or XML; export it as CSV"
        )


def _first_record(text: str) -> str:
    """The header record: up to the first line break outside quotes (headers may hold quotes)."""
    quoted = False
    for index, char in enumerate(text[:1_000_000]):
        if char == '"':
            quoted = not quoted
        elif char in "\r\n" and not quoted:
            return text[:index]
    return text[:1_000_000]


def _unquoted(record: str) -> str:
    return re.sub(r'"[^"]*"', "", record)


def detect_delimiter(header: str) -> str:
    """The candidate delimiter used most in the header outside quotes; comma when none appears."""
    bare = _unquoted(header)
    counts = {d: bare.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def read_csv_upload(
    raw: bytes,
    name: str = "upload.csv",
    max_rows: int = MAX_ROWS,
    max_columns: int = MAX_COLUMNS,
    max_bytes: int = MAX_BYTES,
) -> pd.DataFrame:
    """Parse an uploaded CSV's bytes into a frame, or raise InputError saying what is wrong.

    Content is sniffed first (empty, binary, encoding, delimiter, header shape) so a wrong file
    fails fast with bounded memory; the frame's `attrs` record the encoding and delimiter used.
    Only blank cells become missing: "NA" or "null" stay text, so names round-trip unchanged.
    """
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise InputError(f"{name}: expected the file's bytes, got {type(raw).__name__}")
    raw = bytes(raw)
    if len(raw) > max_bytes:
        raise InputError(
            f"{name}: the file is {_size(len(raw))}, over the {_size(max_bytes)} upload limit"
        )
    if not raw.strip():
        raise InputError(f"{name}: the file is empty: no rows to read")
    text, encoding = _decode(raw, name)
    if text.startswith("\ufeff"):
        text = text[1:]
    if _CONTROL.search(text[:4096]):
        raise InputError(f"{name}: not a text CSV file: it contains control characters")
    _reject_other_formats(text, name)
    header = _first_record(text.lstrip("\r\n"))
    sep = detect_delimiter(header)
    if _unquoted(header).count(sep) + 1 > max_columns:
        raise InputError(
            f"{name}: the header has {_unquoted(header).count(sep) + 1:,} columns, "
            f"over the limit of {max_columns:,}"
        )
    try:
        columns = next(csv.reader(io.StringIO(header), delimiter=sep))
    except (csv.Error, StopIteration) as exc:
        raise InputError(f"{name}: the header line cannot be read: {exc}") from None
    columns = [c.strip().lstrip("\ufeff") or f"unnamed_{i + 1}" for i, c in enumerate(columns)]
    if len(columns) > max_columns:
        raise InputError(
            f"{name}: the header has {len(columns):,} columns, over the limit of {max_columns:,}"
        )
    seen: set[str] = set()
    duplicates = [c for c in columns if c in seen or seen.add(c)]
    if duplicates:
        raise InputError(
            f"{name}: duplicate column name(s): {', '.join(dict.fromkeys(duplicates))}; "
            "each column needs a unique name"
        )
    decimal = "," if sep == ";" and _has_decimal_commas(text) else "."
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            decimal=decimal,
            header=0,
            names=columns,
            keep_default_na=False,
            na_values=[""],
            skip_blank_lines=True,
            nrows=max_rows + 1,
            engine="c",
            low_memory=False,
        )
    except pd.errors.ParserError as exc:
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        detail = (
            f"line {found[2]} has {found[3]} fields, the header has {found[1]}"
            if found
            else (str(exc).strip().splitlines() or ["unreadable"])[-1]
        )
        raise InputError(
            f"{name}: not a well-formed CSV ({detail}); check the delimiter and quoting"
        ) from None
    except (ValueError, csv.Error, OverflowError, MemoryError) as exc:
        raise InputError(f"{name}: not a well-formed CSV ({type(exc).__name__}: {exc})") from None
    if not isinstance(frame.index, pd.RangeIndex):
        raise InputError(
            f"{name}: not a well-formed CSV (data rows have more fields than the "
            f"{len(columns)} header columns; check the delimiter and quoting)"
        )
    if len(frame) > max_rows:
        raise InputError(f"{name}: more than {max_rows:,} rows; split the file")
    if frame.empty:
        raise InputError(f"{name}: the file has a header but no rows")
    frame.attrs.update(encoding=encoding, delimiter=sep, decimal=decimal, source=name)
    return frame


def _has_decimal_commas(text: str) -> bool:
    """A semicolon file whose numbers look like 1,5 (European spreadsheets)."""
    return re.search(r"(^|;)\s*-?\d+,\d+\s*(?=;|$)", text[:200_000], flags=re.MULTILINE) is not None


def neutralise(values: pd.Series) -> pd.Series:
    """Prefix `'` to text cells a spreadsheet would run as a formula (OWASP); others unchanged."""
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return values
    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    text = values.astype(object)
    if pd.api.types.is_string_dtype(values) and values.dtype != object:
        is_text = values.notna()
    else:
        is_text = text.map(lambda v: isinstance(v, str)).astype(bool)
    strings = text.where(is_text, "").astype(str)
    risky = is_text & strings.str.contains(_FORMULA_START, regex=True)
    return text.where(~risky, "'" + strings)


def to_safe_csv(frame: pd.DataFrame) -> bytes:
    """RFC 4180 CSV (UTF-8, CRLF, every text cell quoted, `"` doubled), formula-neutralised.

    Text cells and headers that a spreadsheet would run as a formula get a leading `'` (OWASP);
    numbers stay plain numbers (a PD or a negative amount is not a formula). Headers are quoted,
    so the file never starts with `ID`, which Excel would open as a SYLK file.
    """
    safe = frame.apply(neutralise) if len(frame.columns) else frame.copy()
    safe.columns = [str(c) for c in neutralise(pd.Series(list(frame.columns), dtype=object))]
    text = safe.to_csv(index=False, lineterminator="\r\n", quoting=csv.QUOTE_NONNUMERIC)
    return text.encode("utf-8")
