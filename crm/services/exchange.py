"""CSV export and import of leads, contacts, companies, deals and tasks, within the actor's rights.

Export streams the rows the actor may both read and export. Import is all-or-nothing: every
row is validated and checked against the import right (its responsible, department and
status must lie within the actor's level); if any row fails, nothing is written and the
answer lists each failing row (numbered as in a spreadsheet: the header is row 1).
"""
from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator

from sqlalchemy import Select

from crm import access
from crm.entities import REGISTRY
from crm.serialize import emails_of, json_value
from crm.services.spreadsheets import read_xlsx, write_xlsx
from errors import ServiceError, ValidationError
from extensions import db
from org import audit
from org.actors import Actor

BATCH = 1000
MAX_IMPORT_ROWS = 10_000
# Columns an export writes that an import ignores, so an exported file imports again.
READ_ONLY = {"id", *{c for e in REGISTRY.values() for c in (*e.export_extra, *e.read_only)}}


class ImportRejected(ValidationError):
    """422 with the errors of each failing row; nothing was imported."""

    def __init__(self, message: str, rows: list[dict]) -> None:
        fields = {f"row {r['row']}" + (f".{k}" if k != "_" else ""): v
                  for r in rows for k, v in r["fields"].items()}
        super().__init__(message, fields)
        self.rows = rows

    def to_dict(self) -> dict:
        return {**super().to_dict(), "rows": self.rows}


def _query(entity: str, filters: dict, actor: Actor) -> Select:
    """The rows the actor may read and export, with the list filters applied."""
    stmt = REGISTRY[entity].hook("select")(actor=actor, filters=dict(filters))
    return access.scope(stmt, entity, "export", actor)


def export_csv(entity: str, *, actor: Actor, filters: dict | None = None) -> Iterator[str]:
    """Check the export right, then yield the CSV text in chunks (header first)."""
    access.require(actor, entity, "export")
    stmt = _query(entity, filters or {}, actor)
    audit.record("data.export", entity, {"format": "csv", "filters": filters or {}}, actor=actor)
    return _stream(entity, stmt, REGISTRY[entity].export_columns)


def export_xlsx(entity: str, *, actor: Actor, filters: dict | None = None) -> bytes:
    """Check the export right; the same rows and columns as export_csv, as an XLSX workbook."""
    access.require(actor, entity, "export")
    stmt = _query(entity, filters or {}, actor)
    audit.record("data.export", entity, {"format": "xlsx", "filters": filters or {}}, actor=actor)
    columns = REGISTRY[entity].export_columns
    rows = (row for batch in _batches(entity, stmt, columns) for row in batch)
    return write_xlsx(itertools.chain([columns], rows), REGISTRY[entity].plural)


def _stream(entity: str, stmt: Select, columns: list[str]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for batch in _batches(entity, stmt, columns):
        writer.writerows(batch)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def _batches(entity: str, stmt: Select, columns: list[str]) -> Iterator[list[list[str]]]:
    """The rows' cells, a batch at a time (read by id, so memory stays flat)."""
    spec = REGISTRY[entity]
    model = spec.model
    last = 0
    while True:
        rows = list(db.session.scalars(stmt.where(model.id > last).order_by(model.id).limit(BATCH)))
        emails = emails_of(entity, [r.id for r in rows]) if spec.has_emails else {}
        yield [[_cell(row, c, emails) for c in columns] for row in rows]
        if len(rows) < BATCH:
            return
        last = rows[-1].id


def _cell(row: object, column: str, emails: dict) -> str:
    if column == "emails":
        return "; ".join(emails.get(row.id, []))
    value = json_value(getattr(row, column))
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return "" if value is None else str(value)


def import_csv(entity: str, text: str, *, actor: Actor) -> list[int]:
    """Create one record per CSV row, all or none; the ids created, in row order."""
    access.require(actor, entity, "import")
    return _import_rows(entity, _parse(entity, text), actor)


def import_xlsx(entity: str, data: bytes, *, actor: Actor) -> list[int]:
    """Create one record per row of the workbook's first sheet, all or none, as import_csv."""
    access.require(actor, entity, "import")
    return _import_rows(entity, _rows(entity, iter(read_xlsx(data))), actor)


def _import_rows(entity: str, rows: list[tuple[int, dict]], actor: Actor) -> list[int]:
    created, failed = [], []
    for number, data in rows:
        try:
            created.append(_create(entity, data, actor))
        except ServiceError as exc:
            failed.append({"row": number, "fields": exc.fields or {"_": exc.message}})
    if failed:
        raise ImportRejected(f"{len(failed)} of {len(rows)} rows have errors; nothing was imported", failed)
    db.session.flush()
    return [record.id for record in created]


def _create(entity: str, data: dict, actor: Actor) -> object:
    return REGISTRY[entity].hook("create")(data, actor=actor, right="import")


def _parse(entity: str, text: str) -> list[tuple[int, dict]]:
    """(row number, {column: value}) per non-empty row; empty cells are left out."""
    if "\x00" in text:  # PostgreSQL refuses NUL in text (a 500); no CSV export holds one
        raise ValidationError.from_fields({"file": "Not a CSV text file: it contains NUL characters"})
    # newline="": the csv module handles \r and \r\n itself (a lone \r was a 500 otherwise)
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        return _rows(entity, reader)
    except csv.Error as exc:  # e.g. a field over csv.field_size_limit(): no CSV we can read
        why = f"Not a CSV file (line {reader.line_num}): {exc}"
        raise ValidationError.from_fields({"file": why}) from exc


def _rows(entity: str, reader: Iterator[list[str]]) -> list[tuple[int, dict]]:
    header = [h.strip() for h in next(reader, [])]
    allowed = {f.name for f in REGISTRY[entity].fields}
    unknown = [h for h in header if h and h not in allowed and h not in READ_ONLY]
    if not header or unknown:
        raise ValidationError.from_fields({"file": (
            f"Unknown columns: {', '.join(unknown)}; " if unknown else "The file is empty; ")
            + f"use a header row of {', '.join(sorted(allowed))}"})
    rows = []
    for number, values in enumerate(reader, start=2):
        data = {h: v.strip() for h, v in zip(header, values, strict=False)
                if h in allowed and v.strip() != ""}
        if data:
            rows.append((number, data))
        if len(rows) > MAX_IMPORT_ROWS:
            raise ValidationError.from_fields({"file": f"At most {MAX_IMPORT_ROWS} rows per import"})
    return rows
