"""Imports from the list pages: a CSV or XLSX file is uploaded, its columns mapped to fields, then
its rows are created in the background in batches, each batch committed. A bad row is reported
(row number, field, message) and left out; the good rows are kept. A row that looks like an
existing record (crm/dedupe.py) is skipped or created anyway, as the person chose, and reported.
"""
from __future__ import annotations

import csv
import io
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from crm import access
from crm.dedupe import query_keys
from crm.entities import REGISTRY
from crm.models import ImportJob
from crm.services.duplicates import find_candidates
from crm.services.exchange import MAX_IMPORT_ROWS, READ_ONLY
from crm.services.records import create_record, spec_of
from crm.services.spreadsheets import read_table
from errors import NotFound, ServiceError, ValidationError
from extensions import db
from org.actors import Actor, actor_user
from org.models import User, utcnow
from transactions import enqueue_after_commit

BATCH = 200
STALL_SECONDS = 60
TASK = "crm.run_import"
MAX_REPORT = 10_000
ON_DUPLICATE = ("skip", "create")


def upload_import(entity: str, filename: str, data: bytes, *, actor: Actor) -> ImportJob:
    """Read the file and keep its rows as a draft import, columns mapped by their header names."""
    spec = spec_of(entity)
    access.require(actor, spec.name, "import")
    table = [row for row in read_table(filename, data) if any(c.strip() for c in row)]
    if len(table) < 2:
        raise ValidationError.from_fields({"file": "The file needs a header row and at least one row"})
    if len(table) - 1 > MAX_IMPORT_ROWS:
        raise ValidationError.from_fields({"file": f"At most {MAX_IMPORT_ROWS} rows per import"})
    header = [h.strip() for h in table[0]]
    job = ImportJob(entity=spec.name, filename=filename[:255], header=header, rows=table[1:],
                    mapping=guess_mapping(spec.name, header), total=len(table) - 1,
                    created_by_id=actor_user(actor).id)
    db.session.add(job)
    db.session.flush()
    return job


def guess_mapping(entity: str, header: list[str]) -> dict[str, str]:
    """Columns named like a field (its name or label, any case) map to it."""
    names = {}
    for f in REGISTRY[entity].fields:
        names[f.name.lower()] = names[f.label.lower()] = f.name
    return {str(i): names[h.lower()] for i, h in enumerate(header) if h.lower() in names}


def get_import(job_id: int, *, actor: Actor) -> ImportJob:
    """An import of the actor's own (404 for anyone else's)."""
    job = db.session.get(ImportJob, job_id)
    if job is None or job.created_by_id != actor_user(actor).id:
        raise NotFound(f"No import {job_id}")
    return job


def start_import(job_id: int, mapping: object, on_duplicate: str, *, actor: Actor) -> ImportJob:
    """Check the mapping (column index -> field) and queue the job's run after the commit."""
    job = get_import(job_id, actor=actor)
    access.require(actor, job.entity, "import")
    if job.status != "draft":
        return job  # started already: sending the form twice starts nothing twice
    job.mapping = _clean_mapping(job, mapping)
    if on_duplicate not in ON_DUPLICATE:
        raise ValidationError.from_fields({"on_duplicate": "One of skip, create"})
    job.on_duplicate, job.status = on_duplicate, "queued"
    enqueue_after_commit(TASK, job.id)
    return job


def _clean_mapping(job: ImportJob, mapping: object) -> dict[str, str]:
    if not isinstance(mapping, dict):
        raise ValidationError.from_fields({"mapping": "Expected an object of column number: field"})
    allowed = {f.name for f in REGISTRY[job.entity].fields}
    out, errors = {}, {}
    for column, field in mapping.items():
        if not field or field in READ_ONLY:
            continue
        if not str(column).isdigit() or int(column) >= len(job.header):
            errors[f"mapping.{column}"] = "No such column"
        elif field not in allowed:
            errors[f"mapping.{column}"] = f"Unknown field {field!r}"
        elif field in out.values():
            errors[f"mapping.{column}"] = f"{field} is mapped twice"
        else:
            out[str(column)] = field
    if not out and not errors:
        errors["mapping"] = "Map at least one column to a field"
    if errors:
        raise ValidationError.from_fields(errors)
    return out


def run_import_batch(job_id: int) -> bool:
    """Import the next batch of rows of a queued or running job; whether rows remain. The caller
    commits after each batch, so a rerun (a redelivered task) goes on where this one stopped."""
    _lock(job_id)
    job = db.session.get(ImportJob, job_id, populate_existing=True)
    if job is None or job.status not in ("queued", "running"):
        return False
    actor = db.session.get(User, job.created_by_id) if job.created_by_id else None
    job.status = "running"
    report = list(job.report or [])
    start, end = job.processed, min(job.processed + BATCH, job.total)
    with current_app.test_request_context("/imports"):  # crm.access loads the rights once per request
        for index in range(start, end):
            _import_row(job, actor, index + 2, job.rows[index], report)
    job.processed, job.report = end, report[:MAX_REPORT]
    if end >= job.total:
        job.status, job.finished_at = "done", utcnow()
    return end < job.total


def stalled_imports(seconds: int = STALL_SECONDS) -> list[int]:
    """Queued or running imports untouched for `seconds`: their task was lost or its worker died."""
    since = utcnow() - timedelta(seconds=seconds)
    return list(db.session.scalars(select(ImportJob.id).where(
        ImportJob.status.in_(("queued", "running")), ImportJob.updated_at < since).order_by(ImportJob.id)))


def _lock(job_id: int) -> None:
    """One runner per job: PostgreSQL locks the row; SQLite takes its write lock now."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(update(ImportJob).where(ImportJob.id == job_id).values(status=ImportJob.status)
                           .execution_options(synchronize_session=False))
    else:
        db.session.execute(select(ImportJob.id).where(ImportJob.id == job_id).with_for_update())


def _row_data(job: ImportJob, cells: list[str]) -> dict:
    return {field: cells[int(col)].strip() for col, field in job.mapping.items()
            if int(col) < len(cells) and cells[int(col)].strip()}


def _import_row(job: ImportJob, actor: User | None, number: int, cells: list[str], report: list) -> None:
    data = _row_data(job, cells)
    if not data:
        job.skipped += 1
        return
    if actor is None or not actor.is_active:
        _fail(job, report, number, {"_": "The person who started the import can no longer import"})
        return
    matches = _duplicates(job.entity, data, actor)
    if matches:
        skip = job.on_duplicate == "skip"
        ids = ", ".join(f"#{m}" for m in matches)
        report.append({"row": number, "field": "duplicate",
                       "message": f"Possible duplicate of {ids}; {'skipped' if skip else 'created'}"})
        if skip:
            job.skipped += 1
            return
    try:
        with db.session.begin_nested():  # a bad row undoes only itself
            create_record(job.entity, data, actor=actor, right="import")
    except ServiceError as exc:
        _fail(job, report, number, exc.fields or {"_": exc.message})
        return
    job.created += 1


def _fail(job: ImportJob, report: list, number: int, fields: dict) -> None:
    job.failed += 1
    report.extend({"row": number, "field": "" if k == "_" else k, "message": v} for k, v in fields.items())


def _duplicates(entity: str, data: dict, actor: User) -> list[int]:
    def listed(name: str) -> str:
        return str(data.get(name, "")).replace(";", ",").replace("\n", ",")
    keys = query_keys(entity, email=listed("emails"), phone=listed("phones"),
                      title=data.get("title", "") if entity in ("company", "deal") else "",
                      company_id=data.get("company_id"))
    return [c["id"] for c in find_candidates(entity, keys, actor=actor)]


def report_csv(job: ImportJob) -> str:
    """The per-row report as CSV: row, field, message."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "field", "message"])
    writer.writerows([r["row"], r["field"], r["message"]] for r in job.report or [])
    return out.getvalue()


def import_to_dict(job: ImportJob) -> dict:
    """Progress as the API and the progress panel show it."""
    return {"id": job.id, "entity": job.entity, "status": job.status, "filename": job.filename,
            "total": job.total, "processed": job.processed, "created": job.created,
            "skipped": job.skipped, "failed": job.failed, "mapping": job.mapping,
            "on_duplicate": job.on_duplicate, "header": job.header,
            "report": (job.report or [])[:100]}
