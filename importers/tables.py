"""Reading tables the way every tabular importer must (CORDIS now; Common Reporting and mapped CSV next).

Columns are mapped by header name (order varies between releases; unknown columns are tolerated, missing
required ones are reported), a BOM and CRLF line ends are accepted, and every record keeps its line number so an
error names the file, line, column and field. A control character inside a field (real files carry U+001A) or
broken quoting is an error at its line.

Example:
    >>> table = read_csv(Path("cordis-h2020projects.csv"), {"id", "acronym"}, max_bytes=10**8)  # doctest: +SKIP
    >>> next(iter(table.records)).values["acronym"]  # doctest: +SKIP
    'SMARTER TOGETHER'
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

from importers.errors import InputFileError, RecordError
from importers.inputs import InputFile, check_input, decode

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_AMOUNT = re.compile(r"^-?[0-9]+([.,][0-9]+)?$")
csv.field_size_limit(16 * 1024 * 1024)  # CORDIS objectives are long; a field above this is refused


@dataclass(frozen=True)
class TableRecord:
    line: int  # the first line of the record in the file
    values: dict[str, str]  # header -> stripped text ("" when empty)


@dataclass(frozen=True)
class Table:
    path: Path
    checked: InputFile
    headers: list[str]
    records: list[TableRecord]
    errors: list[RecordError]

    def error(self, record: TableRecord, column: str, message: str, kind: str = "record") -> RecordError:
        return RecordError(str(self.path), f"line {record.line}", column, message, kind)


def _check_headers(path: Path, name: str, headers: list[str], required: set[str]) -> None:
    missing = sorted(required - set(headers))
    if missing:
        raise InputFileError(
            f"{path}{name}:1: missing required column(s) {', '.join(missing)} (found: {', '.join(headers)})"
        )


def parse_csv(
    path: Path, text: str, required: set[str], name: str = "", delimiter: str = ";"
) -> tuple[list[str], list[TableRecord], list[RecordError]]:
    """Header, good records and bad ones of ``;``-separated, ``"``-quoted text; ``name`` names an archive member.
    A file-level fault (no header, a missing column, broken quoting) raises instead."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', strict=True)
    try:
        headers = [h.strip() for h in next(reader, [])]
        if not any(headers):
            raise InputFileError(f"{path}{name}: no header line")
        _check_headers(path, name, headers, required)
        records: list[TableRecord] = []
        errors: list[RecordError] = []
        start = reader.line_num + 1
        for row in reader:
            if any(cell.strip() for cell in row):
                try:
                    records.append(_record(path, name, headers, row, start))
                except RecordError as error:
                    errors.append(error)
            start = reader.line_num + 1
    except csv.Error as error:
        raise InputFileError(
            f"{path}{name}:{reader.line_num}: broken quoting or delimiters: {error}"
        ) from error
    return headers, records, errors


def _record(path: Path, name: str, headers: list[str], row: list[str], line: int) -> TableRecord:
    values: dict[str, str] = {}
    for column, cell in zip(headers, row, strict=False):
        found = _CONTROL.search(cell)
        if found is not None:
            before = cell[: found.start()]
            where = line + before.count("\n")
            raise RecordError(
                f"{path}{name}",
                f"line {where}",
                column,
                f"control character U+{ord(found.group()):04X} at column {len(before) - before.rfind(chr(10))}",
            )
        values[column] = cell.strip()
    if len(row) > len(headers):
        raise RecordError(
            f"{path}{name}", f"line {line}", "(row)", f"{len(row)} fields for {len(headers)} columns"
        )
    return TableRecord(line, values)


def parse_json_records(
    path: Path, text: str, required: set[str], name: str = ""
) -> tuple[list[str], list[TableRecord], list[RecordError]]:
    """An array of objects keyed by the same header names (CORDIS's JSON); the record's index stands for its line."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputFileError(
            f"{path}{name}:{error.lineno}:{error.colno}: not valid JSON: {error.msg}"
        ) from error
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise InputFileError(f"{path}{name}: expected an array of objects keyed by the column names")
    headers = list(dict.fromkeys(key for item in data for key in item))
    _check_headers(path, name, headers, required)
    records = [
        TableRecord(index + 1, {k: "" if v is None else str(v).strip() for k, v in item.items()})
        for index, item in enumerate(data)
    ]
    return headers, records, []


def read_csv(path: Path, required: set[str], max_bytes: int) -> Table:
    checked = check_input(path, max_bytes)
    headers, records, errors = parse_csv(path, decode_fields(path, path.read_bytes()), required)
    return Table(path, checked, headers, records, errors)


def decode_fields(path: Path, raw: bytes) -> str:
    """UTF-8 text (BOM dropped); control characters are left for the per-field check, which names the column."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return decode(path, raw)  # raises, naming line and column


def parse_xlsx(
    path: Path, sheet: str | None, required: set[str]
) -> tuple[list[str], list[TableRecord], list[RecordError]]:
    """Header and records of one worksheet (the first unless ``sheet`` names one); cells become text (dates ISO),
    each record keeps its row number, and control characters in a cell are errors as in a CSV."""
    import openpyxl  # loaded only for spreadsheets

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds (zip, XML, key errors) for a broken file
        raise InputFileError(f"{path}: not a readable XLSX workbook: {error}") from error
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise InputFileError(f"{path}: no sheet {sheet!r} (sheets: {', '.join(book.sheetnames)})")
        rows = (book[sheet] if sheet else book.worksheets[0]).iter_rows(values_only=True)
        headers = [_cell(value) for value in next(rows, ())]
        if not any(headers):
            raise InputFileError(f"{path}: no header row")
        _check_headers(path, "", headers, required)
        records: list[TableRecord] = []
        errors: list[RecordError] = []
        for number, row in enumerate(rows, start=2):
            cells = [_cell(value) for value in row]
            if any(cells):
                try:
                    records.append(_record(path, "", headers, cells[: len(headers)], number))
                except RecordError as error:
                    errors.append(error)
    finally:
        book.close()
    return headers, records, errors


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def amount(value: str) -> float | None:
    """'1234,56' or '1234.56' -> 1234.56; '' -> None; anything else raises ValueError."""
    if not value:
        return None
    if not _AMOUNT.match(value):
        raise ValueError(f"{value!r} is not an amount")
    return float(value.replace(",", "."))


def split_list(value: str) -> list[str]:
    """A ';'-joined list inside one field."""
    return [part.strip() for part in value.split(";") if part.strip()]
