"""Create and edit forms for records, and lead conversion."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from crm.company_settings import company_currency
from crm.entities import ENTITIES, Entity, record_title
from crm.services.conversion import convert_lead
from crm.services.records import create_record, get_record, update_record
from crm.services.versions import changes_since
from crm.states import LEAD_CONVERTED
from errors import Conflict, PreconditionFailed, ValidationError
from extensions import db
from web.pages import pages
from web.pages.common import me
from web.pages.duplicates import form_duplicates
from web.pages.forms import field_widgets, form_data, form_version, record_values
from web.pages.lookups import ref_matches
from web.pages.records import ICONS, PLURAL, spec_for


def _render_form(spec: Entity, record: object | None, values: dict, errors: dict, status: int = 200,
                 conflicts: list[dict] | None = None, duplicates: list[dict] | None = None):
    general = {k: v for k, v in errors.items() if spec.field(k) is None}
    return render_template(
        "records/form.html", spec=spec, record=record, icon=ICONS[spec.name], errors=errors,
        general_errors=general, widgets=field_widgets(spec, values, me()), conflicts=conflicts,
        version=record.version if record is not None else None, company_currency=company_currency(),
        duplicates=duplicates or [],
    ), status


@pages.route(f"/{PLURAL}/new", methods=["GET", "POST"])
def record_new(plural: str):
    spec = spec_for(plural)
    if request.method == "GET":
        values = {f.name: request.args.get(f.name, "") for f in spec.fields}
        values.setdefault("responsible_id", "")
        values["responsible_id"] = values["responsible_id"] or str(me().id)
        if spec.field("currency") is not None and not values["currency"]:
            values["currency"] = company_currency()  # a real default, not only a placeholder
        return _render_form(spec, None, values, {})
    duplicates = [] if request.form.get("save_anyway") else form_duplicates(spec, request.form)
    if duplicates:  # shown before saving; "Save anyway" sends save_anyway
        return _render_form(spec, None, request.form.to_dict(), {}, 409, duplicates=duplicates)
    try:
        record = create_record(spec.name, form_data(spec, request.form, creating=True), actor=me())
    except ValidationError as exc:
        db.session.rollback()
        return _render_form(spec, None, request.form.to_dict(), exc.fields or {"_": exc.message}, 422)
    flash(f"{spec.label} “{record_title(record)}” was created.", "success")
    return redirect(url_for("pages.record_view", plural=plural, record_id=record.id))


@pages.route(f"/{PLURAL}/<int:record_id>/edit", methods=["GET", "POST"])
def record_edit(plural: str, record_id: int):
    spec = spec_for(plural)
    record = get_record(spec.name, record_id, actor=me(), action="edit")
    if request.method == "GET":
        return _render_form(spec, record, record_values(spec, record), {})
    seen = form_version(request.form)
    try:
        update_record(spec.name, record_id, form_data(spec, request.form, creating=False), actor=me(),
                      if_match=seen)
    except PreconditionFailed:
        db.session.rollback()
        return _stale_form(spec, record_id, min(seen or {0}))
    except ValidationError as exc:
        db.session.rollback()
        return _render_form(spec, record, request.form.to_dict(), exc.fields or {"_": exc.message}, 422)
    flash("Changes saved.", "success")
    return redirect(url_for("pages.record_view", plural=plural, record_id=record_id))


def _stale_form(spec: Entity, record_id: int, seen: int):
    """409: someone saved the record after this form was loaded. The form keeps what this user
    typed and now carries the current version (saving again overwrites knowingly); a table shows
    each field the other person changed: their value and this user's."""
    record = get_record(spec.name, record_id, actor=me(), action="edit")
    theirs, mine = record_values(spec, record), request.form.to_dict()
    changed = set(changes_since(spec.name, record_id, seen)) or {
        name for name in theirs if name in mine and mine[name].strip() != theirs[name]}
    labels: dict[str, dict] = {}
    for values in (mine, theirs):  # a reference's title for both ids (type-ahead fields list none)
        for w in field_widgets(spec, values, me()):
            labels.setdefault(w["field"].name, {}).update(w["choices"] or w.get("titles") or {})
    conflicts = [{"label": f.label, "theirs": labels[f.name].get(theirs[f.name], theirs[f.name]),
                  "yours": labels[f.name].get(mine.get(f.name, ""), mine.get(f.name, ""))}
                 for f in spec.fields if f.name in changed]
    return _render_form(spec, record, mine, {}, 409, conflicts=conflicts)


@pages.get("/lookups/<records:plural>")
def record_lookup(plural: str):
    """The type-ahead menu of a reference field: up to 10 readable records matching `q`."""
    spec = spec_for(plural)
    matches = ref_matches(spec.name, me(), request.args.get("q", ""))
    return render_template("records/_lookup.html", matches=matches, field=request.args.get("field", ""),
                           spec=spec, q=request.args.get("q", ""))


@pages.route("/leads/<int:lead_id>/convert", methods=["GET", "POST"])
def lead_convert(lead_id: int):
    """Choose which of contact, company and deal to create from the lead."""
    lead = get_record("lead", lead_id, actor=me())
    error, status = None, 200
    if request.method == "POST":
        chosen = {k: bool(request.form.get(k)) for k in ENTITIES["lead"].converts_to}
        try:
            made = convert_lead(lead_id, actor=me(), **chosen)
        except Conflict as exc:
            db.session.rollback()
            error, status = exc.message, 409
        except ValidationError as exc:
            db.session.rollback()
            error, status = next(iter(exc.fields.values()), exc.message), 422
        else:
            names = ", ".join(k for k, v in made.items() if v is not None)
            flash(f"Lead converted: created {names}.", "success")
            return redirect(url_for("pages.record_view", plural="leads", record_id=lead_id))
    elif lead.status == LEAD_CONVERTED:
        error = f"Lead {lead.id} is already converted"
    return render_template("records/convert.html", lead=lead, title=record_title(lead), error=error,
                           converted=lead.status == LEAD_CONVERTED,
                           form=request.form if request.method == "POST" else None), status
