"""Reading and writing table files: CSV text and XLSX workbooks (openpyxl), as rows of text cells."""
from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable
from datetime import date, datetime

from errors import ValidationError

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_CELLS = 2_000_000  # a bigger sheet is refused before it fills the memory


def write_xlsx(rows: Iterable[list], title: str) -> bytes:
    """A one-sheet workbook of the rows (the first is the header), written in streaming mode."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31] or "Sheet")
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_cell(sheet: object, value: object) -> object:
    """Text as text: characters XML cannot hold become U+FFFD (openpyxl refuses them), and a
    leading "=" stays text instead of becoming a formula the spreadsheet would run."""
    if not isinstance(value, str):
        return value
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", value))
    cell.data_type = "s"
    return cell


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a spreadsheet stores 42 as 42.0
    return str(value)


def read_xlsx(data: bytes) -> list[list[str]]:
    """The first sheet's rows as text cells; 422 naming the file when it is no workbook."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ValidationError.from_fields({"file": f"Not an XLSX workbook: {exc}"}) from exc
    rows, cells = [], 0
    for row in book.worksheets[0].iter_rows(values_only=True):
        cells += len(row)
        if cells > MAX_CELLS:
            raise ValidationError.from_fields({"file": f"At most {MAX_CELLS} cells per file"})
        rows.append([_text(v) for v in row])
    book.close()
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
    return rows


def read_csv(data: bytes) -> list[list[str]]:
    """CSV rows (UTF-8, an optional BOM); 422 naming the file when it cannot be read."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError.from_fields({"file": "Send the CSV encoded as UTF-8"}) from None
    if "\x00" in text:
        raise ValidationError.from_fields({"file": "Not a CSV text file: it contains NUL characters"})
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return list(reader)
    except csv.Error as exc:
        why = f"Not a CSV file (line {reader.line_num}): {exc}"
        raise ValidationError.from_fields({"file": why}) from exc


def read_table(filename: str, data: bytes) -> list[list[str]]:
    """Rows of an uploaded CSV or XLSX file (XLSX told by its name or its zip signature)."""
    if filename.lower().endswith(".xlsx") or data[:2] == b"PK":
        return read_xlsx(data)
    return read_csv(data)
