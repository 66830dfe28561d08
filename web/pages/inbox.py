"""The inbox: my process tasks and my groups', claim, the task form, the record beside it."""
from __future__ import annotations

from flask import flash, has_request_context, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from crm.entities import ENTITIES
from crm.services.records import get_record
from engine import inbox as svc
from engine.forms import coerce_default
from engine.inbox_view import COUNT_SCOPES, inbox_count_columns, next_task_for, tasks_to_dicts
from errors import Conflict, Forbidden, NotFound, ValidationError
from extensions import db
from mail.services.personal import unread_count_column
from web.pages import pages
from web.pages.common import me, not_modified, polled
from web.pages.display import detail_rows, record_url
from web.pages.lookups import status_info

PAGE_SIZE = 25
TABS = [("mine", "My tasks", "bi-person-check"), ("groups", "My groups' tasks", "bi-people"),
        ("done", "Done", "bi-check2-all")]


def badge_counts() -> dict[str, int]:
    """Open tasks for the navigation badge, counted once per request (reads only human_task)."""
    if not has_request_context():
        return {}
    env = request.environ  # per request (g outlives requests in tests)
    if "flowdesk.inbox_counts" not in env:
        _read_badges(env)
    return env["flowdesk.inbox_counts"]


def mail_unread() -> int | None:
    """The mail badge's cached unread count (None without a mailbox), read with the inbox's."""
    env = request.environ
    if "flowdesk.mail_unread" not in env:
        _read_badges(env)
    return env["flowdesk.mail_unread"]


def _read_badges(env: dict) -> None:
    """Both navigation badges in one statement: the inbox's two counts and the mailbox's
    cached unread count, each a scalar subquery keeping its own index plan."""
    if not current_user.is_authenticated:
        env["flowdesk.inbox_counts"], env["flowdesk.mail_unread"] = {}, None
        return
    row = db.session.execute(select(*inbox_count_columns(me()), unread_count_column(me()))).one()
    env["flowdesk.inbox_counts"] = {scope: n or 0 for scope, n in zip(COUNT_SCOPES, row, strict=False)}
    env["flowdesk.mail_unread"] = row[len(COUNT_SCOPES)]


def inbox_badge() -> Markup:
    """The badge beside "Inbox": my open tasks plus my groups' unclaimed ones; refreshed by htmx."""
    counts = badge_counts()
    total = counts.get("mine", 0) + counts.get("groups", 0)
    hidden = "" if total else " d-none"
    url = url_for("pages.inbox_badge_fragment")
    title = f'{counts.get("mine", 0)} mine, {counts.get("groups", 0)} in my groups'
    return Markup(f'<span id="inbox-badge" class="badge rounded-pill fd-nav-badge ms-auto{hidden}" '
                  f'hx-get="{url}" hx-trigger="every 30s" hx-swap="outerHTML" '
                  f'title="{title}">{total}</span>')


@pages.app_context_processor
def _inbox_globals() -> dict:
    return {"inbox_badge": inbox_badge}


@pages.get("/inbox/badge")
def inbox_badge_fragment():
    """The badge, polled every 30 s: 304 (nothing rendered) while the counts are unchanged."""
    counts = badge_counts()
    tag = f'inbox-{counts.get("mine", 0)}-{counts.get("groups", 0)}'
    if request.if_none_match.contains(tag):
        return not_modified(tag)
    return polled(str(inbox_badge()), tag)


@pages.get("/inbox")
def inbox():
    tab = request.args.get("tab", "mine")
    tab = tab if tab in {t[0] for t in TABS} else "mine"
    scope, state = ("mine", "completed") if tab == "done" else (tab, "open")
    try:
        page = svc.list_inbox(me(), scope=scope, state=state, limit=PAGE_SIZE,
                              cursor=request.args.get("cursor") or None)
    except ValidationError:
        page = svc.list_inbox(me(), scope=scope, state=state, limit=PAGE_SIZE)
    return render_template("inbox/list.html", tasks=tasks_to_dicts(page.items, actor=me()), tabs=TABS,
                           tab=tab, counts=badge_counts(), next_cursor=page.next)


@pages.get("/inbox/<int:task_id>")
def inbox_task(task_id: int):
    row = svc.get_task(task_id, actor=me())
    return _task_page(row, {}, {})


def _task_page(row: object, values: dict, errors: dict, status: int = 200):
    task = svc.task_to_dict(row, actor=me())
    fields = [{**f, "value": values.get(f["id"], _initial(f, task))} for f in task["form"]]
    return render_template("inbox/task.html", task=task, fields=fields, errors=errors,
                           record=_record_panel(row), counts=badge_counts()), status


def _initial(field: dict, task: dict) -> object:
    """What a field shows first: the value entered (a done task), else its default as typed
    (a Camunda dd/MM/yyyy date default becomes the ISO date a date input shows)."""
    if task["data"] and field["id"] in task["data"]:
        return task["data"][field["id"]]
    return coerce_default(field)


def _record_panel(row: object) -> dict | None:
    """The record the task is about, when the user may read it."""
    if row.entity not in ENTITIES or row.entity_id is None:
        return None
    spec = ENTITIES[row.entity]
    try:
        record = get_record(spec.name, row.entity_id, actor=me())
    except (NotFound, Forbidden):
        return None
    status = getattr(record, spec.status_field) if spec.status_field else None
    skip = set(spec.title_fields) | {spec.status_field or ""}
    return {"spec": spec, "record": record, "url": record_url(spec.name, record.id),
            "status": status_info(spec.name, status) if status else None,
            "rows": [r for r in detail_rows(spec, record, me(), skip) if r["text"] != "—"][:10]}


@pages.post("/inbox/<int:task_id>/claim")
def inbox_claim(task_id: int):
    try:
        svc.claim_task(task_id, actor=me())
    except (Conflict, Forbidden) as exc:
        db.session.rollback()
        flash(exc.message, "warning")
        return redirect(url_for("pages.inbox"))
    flash("The task is yours now.", "success")
    return redirect(url_for("pages.inbox_task", task_id=task_id))


@pages.post("/inbox/<int:task_id>/release")
def inbox_release(task_id: int):
    try:
        svc.release_task(task_id, actor=me())
    except (Conflict, Forbidden) as exc:
        db.session.rollback()
        flash(exc.message, "warning")
        return redirect(url_for("pages.inbox_task", task_id=task_id))
    flash("The task is back in the group's inbox.", "success")
    return redirect(url_for("pages.inbox", tab="groups"))


def form_values(fields: list[dict]) -> dict:
    """The submitted form as {field id: text}; a checkbox sends "false" unless ticked."""
    data = {}
    for f in fields:
        if f.get("readonly"):
            continue
        sent = request.form.getlist(f["id"])
        if f.get("type") == "boolean":
            data[f["id"]] = sent[-1] if sent else "false"
        elif sent:
            data[f["id"]] = sent[-1]
    return data


@pages.post("/inbox/<int:task_id>/complete")
def inbox_complete(task_id: int):
    """Complete the task; field errors come back inline; the instance's next task of mine opens."""
    row = svc.get_task(task_id, actor=me())
    instance_id, name = row.instance_id, row.name
    data = form_values(row.form or [])
    try:
        svc.complete_task(task_id, data, actor=me())
    except ValidationError as exc:
        db.session.rollback()
        return _task_page(svc.get_task(task_id, actor=me()), data, exc.fields or {"_": exc.message}, 422)
    except (Conflict, Forbidden) as exc:
        db.session.rollback()
        flash(exc.message, "warning")
        return redirect(url_for("pages.inbox"))
    following = next_task_for(me(), instance_id)
    if following is not None:
        flash(f"“{name}” done. Next: {following.name}.", "success")
        return redirect(url_for("pages.inbox_task", task_id=following.id))
    flash(f"“{name}” done.", "success")
    return redirect(url_for("pages.inbox"))


@pages.post("/inbox/<int:task_id>/form")
def inbox_complete_form(task_id: int):
    """The form-js viewer's submit (JSON): checked on the server, 422 naming the field."""
    body = request.get_json(silent=True)
    data = body.get("data") if isinstance(body, dict) else None
    row = svc.get_task(task_id, actor=me())
    instance_id, name = row.instance_id, row.name
    try:
        svc.complete_task(task_id, data if data is not None else {}, actor=me())
    except (ValidationError, Conflict, Forbidden) as exc:
        db.session.rollback()
        return jsonify({"error": exc.message, "fields": getattr(exc, "fields", None) or {}}), exc.status
    following = next_task_for(me(), instance_id)
    flash(f"“{name}” done." + (f" Next: {following.name}." if following else ""), "success")
    target = url_for("pages.inbox_task", task_id=following.id) if following else url_for("pages.inbox")
    return jsonify({"redirect": target})
