"""Instance migration for administrators (as POST /api/v1/processes/<key>/migrations): pick the
source and target versions, map the elements (equal ids pre-filled), see a dry run of what
would move and what is refused, run it on the movable instances and watch the batch's progress."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for

from engine import instance_migration as svc
from errors import ServiceError, ValidationError
from extensions import db
from web.pages import pages
from web.pages.common import me

KEY = "<key>"


def _number(name: str) -> int | None:
    """A version number of the form (or the query string); 422 naming the field."""
    raw = (request.values.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise ValidationError.from_fields({name: "Pick a version"})
    return int(raw)


def _body() -> dict:
    """The migration request the form describes; identical ids are left out of the mapping."""
    mapping = {name[4:]: value for name, value in request.form.items()
               if name.startswith("map:") and value and value != name[4:]}
    body = {"from_version": _number("from_version"), "to_version": _number("to_version"), "mapping": mapping}
    ids = request.form.getlist("instance")
    if ids:
        body["instance_ids"] = [int(i) for i in ids if i.isdigit() and len(i) < 10]
    return body


def _page(key: str, *, preview: dict | None = None, errors: dict | None = None, status: int = 200):
    try:
        numbers = _number("from_version"), _number("to_version")
    except ValidationError as exc:
        numbers, errors = (None, None), {**(errors or {}), **exc.fields}
    form = svc.migration_form(key, *numbers, actor=me())
    chosen = {name[4:]: value for name, value in request.form.items() if name.startswith("map:")}
    return render_template("processes/migrate.html", **form, preview=preview, errors=errors or {},
                           chosen=chosen if request.method == "POST" else None), status


@pages.get(f"/processes/{KEY}/migrate")
def process_migrate(key: str):
    return _page(key)


@pages.post(f"/processes/{KEY}/migrate")
def process_migrate_submit(key: str):
    """`action=dry`: the dry run shown under the mapping; `action=run`: the batch is queued."""
    try:
        body = _body()
        if request.form.get("action") == "run":
            row = svc.create_migration(key, body, actor=me())
            return redirect(url_for("pages.process_migration", key=key, migration_id=row.id))
        return _page(key, preview=svc.preview(key, body, actor=me()))
    except ValidationError as exc:
        db.session.rollback()
        return _page(key, errors=exc.fields or {"form": exc.message}, status=422)
    except ServiceError as exc:
        if exc.status in (401, 403, 404):
            raise
        db.session.rollback()
        return _page(key, errors={"form": exc.message}, status=exc.status)


@pages.get(f"/processes/{KEY}/migrations/<int:migration_id>")
def process_migration(key: str, migration_id: int):
    row = svc.get_migration(key, migration_id, actor=me())
    return render_template("processes/migration.html", row=row, key=key, info=svc.migration_to_dict(row))


@pages.get(f"/processes/{KEY}/migrations/<int:migration_id>/progress")
def process_migration_progress(key: str, migration_id: int):
    """The progress panel (htmx polls it until the batch is done)."""
    row = svc.get_migration(key, migration_id, actor=me())
    return render_template("processes/_migration_progress.html", row=row, key=key,
                           info=svc.migration_to_dict(row))
