"""Leads, contacts, companies and deals: lists, the record page, comments, status, delete."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from crm.entities import BY_PLURAL, ENTITIES, REGISTRY, Entity, record_title
from crm.serialize import emails_of
from crm.services.duplicates import duplicates_of_record
from crm.services.records import count_records, delete_record, get_record, list_records, update_record
from crm.services.timeline import add_comment, list_timeline, timeline_version
from drive.services.attachments import record_files, visible_entries
from engine.record_processes import running_on_record, startable_processes
from errors import ValidationError
from extensions import db
from org.services.users import list_users
from web.pages import pages
from web.pages.common import is_htmx, me, not_modified, polled, user_zone
from web.pages.display import detail_rows, timeline_items
from web.pages.lookups import stage_values, status_info, status_values, titles_by_id, user_by_id, users_by_id
from web.pages.related import related_groups
from web.pages.tasks import record_task_rows

PLURAL = "<records:plural>"
PAGE_SIZE = 25
TOTAL_CAP = 10_000  # lists say "10,000+" past it: counting every row costs up to seconds (bench)
DRILL_FILTERS = ("source",)
MAX_SHOWN_DUPLICATES = 5
TIMELINE_LIMIT = 200  # entries a record page shows (list_timeline's default)
ICONS = {n: e.icon for n, e in REGISTRY.items()}
FILE_ENTITIES = tuple(ENTITIES)  # the records (not tasks) have a files card (drive attachments)

# (key, header, sort field or None) per record type; keys are rendered by records/_cells.html.
COLUMNS = {
    "lead": [("title", "Lead", "title"), ("person", "Contact person", None),
             ("company_name", "Company", None), ("status", "Status", "status"),
             ("amount", "Amount", "amount"), ("responsible", "Responsible", "responsible_id"),
             ("created_at", "Created", "created_at")],
    "contact": [("name", "Name", "last_name"), ("company", "Company", None), ("position", "Position", None),
                ("emails", "E-mail", None), ("phones", "Phone", None),
                ("responsible", "Responsible", "responsible_id"), ("created_at", "Created", "created_at")],
    "company": [("title", "Company", "title"), ("industry", "Industry", "industry"),
                ("emails", "E-mail", None), ("phones", "Phone", None),
                ("responsible", "Responsible", "responsible_id"), ("created_at", "Created", "created_at")],
    "deal": [("title", "Deal", "title"), ("stage", "Stage", "stage"), ("amount", "Amount", "amount"),
             ("company", "Company", None), ("contact", "Contact", None),
             ("responsible", "Responsible", "responsible_id"), ("created_at", "Created", "created_at")],
}


def spec_for(plural: str) -> Entity:
    if plural not in BY_PLURAL:
        abort(404)
    return BY_PLURAL[plural]


def _list_filters(spec: Entity) -> dict:
    args, filters = request.args, {}
    if args.get("q", "").strip():
        filters["q"] = args["q"].strip()
    if spec.status_field and args.get("status"):
        filters[spec.status_field] = args["status"]
    for name in DRILL_FILTERS:  # the dashboard's links (leads by source)
        if args.get(name) is not None and spec.field(name) is not None:
            filters[name] = args[name]
    responsible = args.get("responsible", "")
    if responsible == "me":
        filters["responsible_id"] = str(me().id)
    elif responsible.isdigit():
        filters["responsible_id"] = responsible
    return filters


@pages.get(f"/{PLURAL}")
def record_list(plural: str):
    spec = spec_for(plural)
    filters, sort = _list_filters(spec), request.args.get("sort", "-id")
    try:
        page = list_records(spec.name, actor=me(), filters=filters, sort=sort, limit=PAGE_SIZE,
                            cursor=request.args.get("cursor") or None,
                            before=request.args.get("before") or None)
    except ValidationError as exc:  # a hand-edited sort or cursor: show the first page instead
        flash("; ".join(exc.fields.values()) or exc.message, "warning")
        sort = "-id"
        page = list_records(spec.name, actor=me(), filters=filters, sort=sort, limit=PAGE_SIZE)
    total = count_records(spec.name, actor=me(), filters=filters, cap=TOTAL_CAP)
    return render_template(
        "records/list.html", spec=spec, icon=ICONS[spec.name], rows=_rows(spec, page.items),
        columns=COLUMNS[spec.name], sort=sort, next_cursor=page.next, prev_cursor=page.prev,
        total=f"{TOTAL_CAP:,}+" if total > TOTAL_CAP else f"{total:,}",
        filters=filters, statuses=_statuses(spec), users=list_users(), args=request.args)


def _statuses(spec: Entity) -> list[dict]:
    return [status_info(spec.name, s.code) for s in status_values(spec.name)] if spec.status_field else []


def _stage_bar(spec: Entity, record: object) -> list[dict]:
    """The record page's status bar; a deal's shows its own pipeline's stages."""
    if spec.name != "deal":
        return _statuses(spec)
    return [status_info("deal", s.code) for s in stage_values(record.pipeline_id)]


def _rows(spec: Entity, records: list) -> list[dict]:
    """Each record with what its cells show, looked up in a few queries."""
    emails = emails_of(spec.name, [r.id for r in records])
    users = users_by_id([r.responsible_id for r in records])
    companies = titles_by_id("company", [getattr(r, "company_id", None) for r in records], me())
    contacts = titles_by_id("contact", [getattr(r, "contact_id", None) for r in records], me())
    rows = []
    for r in records:
        status = status_info(spec.name, getattr(r, spec.status_field)) if spec.status_field else None
        rows.append({"record": r, "emails": emails.get(r.id, []), "responsible": users.get(r.responsible_id),
                     "status": status, "company": companies.get(getattr(r, "company_id", None)),
                     "contact": contacts.get(getattr(r, "contact_id", None))})
    return rows


@pages.get(f"/{PLURAL}/<int:record_id>")
def record_view(plural: str, record_id: int):
    spec = spec_for(plural)
    record = get_record(spec.name, record_id, actor=me())
    return render_template("records/view.html", **_record_context(spec, record))


def _record_context(spec: Entity, record: object) -> dict:
    actor = me()
    entries = list_timeline(spec.name, record.id, actor=actor, limit=TIMELINE_LIMIT)
    whole = entries if len(entries) < TIMELINE_LIMIT else None  # then its files are among them
    emails = emails_of(spec.name, [record.id]).get(record.id, [])
    skip = set(spec.title_fields) | {spec.status_field or ""}
    status = getattr(record, spec.status_field) if spec.status_field else None
    return {
        "spec": spec, "record": record, "icon": ICONS[spec.name], "emails": emails,
        "title": record_title(record), "responsible": user_by_id(record.responsible_id),
        "details": detail_rows(spec, record, actor, skip),
        "status": status_info(spec.name, status) if status else None,
        "pipeline": _stage_bar(spec, record) if status else [],
        "related": related_groups(spec, record, actor),
        "tasks": record_task_rows(spec.name, record.id),
        "timeline": _timeline(spec, record.id, entries), "comment_error": None,
        "files": record_files(spec.name, record.id, actor=actor, timeline=whole)
        if spec.name in FILE_ENTITIES else None,
        "running": running_on_record(spec.name, record.id, actor=actor),
        "startable": startable_processes(spec.name),
        "duplicates": duplicates_of_record(spec.name, record.id, actor=actor)[:MAX_SHOWN_DUPLICATES],
    }


def _timeline(spec: Entity, record_id: int, entries: list | None = None) -> list[dict]:
    if entries is None:
        entries = list_timeline(spec.name, record_id, actor=me(), limit=TIMELINE_LIMIT)
    # attached drive files keep their own rights
    return timeline_items(spec, visible_entries(entries, actor=me()), me())


@pages.get(f"/{PLURAL}/<int:record_id>/timeline")
def record_timeline(plural: str, record_id: int):
    """The timeline's entries, polled by the record page: 304 while its ETag still holds."""
    spec = spec_for(plural)
    tag = f"{timeline_version(spec.name, record_id, actor=me())}-{user_zone().key}"
    if request.if_none_match.contains(tag):
        return not_modified(tag)
    record = get_record(spec.name, record_id, actor=me())
    html = render_template("records/_timeline_entries.html", spec=spec, record=record,
                           timeline=_timeline(spec, record_id), refresh=True)
    return polled(html, tag)


@pages.post(f"/{PLURAL}/<int:record_id>/comments")
def record_comment(plural: str, record_id: int):
    """Add a comment; htmx gets the refreshed timeline, plain forms a redirect."""
    spec = spec_for(plural)
    error = None
    try:
        add_comment(spec.name, record_id, request.form.get("text", ""), actor=me())
    except ValidationError as exc:
        db.session.rollback()
        error = exc.fields.get("text") or exc.message
    if is_htmx():
        record = get_record(spec.name, record_id, actor=me())
        return render_template("records/_timeline.html", spec=spec, record=record,
                               timeline=_timeline(spec, record_id), comment_error=error)
    if error:
        flash(error, "danger")
    return redirect(url_for("pages.record_view", plural=plural, record_id=record_id) + "#timeline")


@pages.post(f"/{PLURAL}/<int:record_id>/status")
def record_status(plural: str, record_id: int):
    """Move a lead or deal to another status/stage from the pipeline bar."""
    spec = spec_for(plural)
    if not spec.status_field:
        abort(404)
    try:
        update_record(spec.name, record_id, {spec.status_field: request.form.get("value", "")}, actor=me())
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.fields.get(spec.status_field) or exc.message, "danger")
    return redirect(url_for("pages.record_view", plural=plural, record_id=record_id))


@pages.post(f"/{PLURAL}/<int:record_id>/delete")
def record_delete(plural: str, record_id: int):
    spec = spec_for(plural)
    record = get_record(spec.name, record_id, actor=me())
    title = record_title(record)
    delete_record(spec.name, record_id, actor=me())
    flash(f"{spec.label} “{title}” was deleted.", "success")
    return redirect(url_for("pages.record_list", plural=plural))
