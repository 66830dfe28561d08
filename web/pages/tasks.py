"""CRM tasks: my task lists, the task form (from one record or many), complete and reopen."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import flash, redirect, render_template, request, url_for

from crm.entities import ENTITIES, entity
from crm.models import CrmTask
from crm.services.tasks import (
    complete_task,
    create_task,
    get_task,
    list_tasks,
    observer_ids,
    reopen_task,
    task_links,
    update_task,
)
from crm.states import TaskStatus
from errors import PreconditionFailed, ValidationError
from extensions import db
from org.services.users import list_users
from web.pages import pages
from web.pages.common import me
from web.pages.display import record_url
from web.pages.forms import form_version
from web.pages.lookups import titles_by_id, users_by_id
from web.pages.zones import from_local_input, local_input

PAGE_SIZE = 25
TABS = [("responsible", "I'm responsible", "bi-person-check"), ("observer", "I'm observing", "bi-eye"),
        ("created", "Created by me", "bi-pencil-square")]
SORTS = ("id", "title", "created_at")


def task_rows(tasks: list[CrmTask]) -> list[dict]:
    """Tasks with their responsible person and linked records, for lists and cards."""
    users = users_by_id([t.responsible_id for t in tasks])
    links = {t.id: task_links(t.id) for t in tasks}
    titles: dict[str, dict[int, str]] = {}
    for name in ENTITIES:
        ids = [i for pairs in links.values() for e, i in pairs if e == name]
        titles[name] = titles_by_id(name, ids, me()) if ids else {}
    now = datetime.now(UTC).replace(tzinfo=None)
    return [{
        "task": t, "responsible": users.get(t.responsible_id),
        "overdue": t.status == TaskStatus.OPEN and t.deadline is not None and t.deadline < now,
        "links": [{"entity": e, "label": ENTITIES[e].label, "url": record_url(e, i),
                   "title": titles[e].get(i, f"{ENTITIES[e].label} #{i}")} for e, i in links[t.id]],
    } for t in tasks]


def record_task_rows(entity_name: str, record_id: int) -> list[dict]:
    page = list_tasks(actor=me(), filters={"entity": entity_name, "record_id": str(record_id)}, limit=20)
    return task_rows(page.items)


@pages.get("/tasks")
def task_list():
    role = request.args.get("role", "responsible")
    role = role if role in {t[0] for t in TABS} else "responsible"
    status = TaskStatus.DONE if request.args.get("status") == TaskStatus.DONE else TaskStatus.OPEN
    sort = request.args.get("sort", "-id")
    sort = sort if sort.lstrip("-") in SORTS else "-id"
    filters = {"role": role, "status": status}
    if request.args.get("q", "").strip():
        filters["q"] = request.args["q"].strip()
    try:
        page = list_tasks(actor=me(), filters=filters, sort=sort, limit=PAGE_SIZE,
                          cursor=request.args.get("cursor") or None)
    except ValidationError as exc:
        flash("; ".join(exc.fields.values()) or exc.message, "warning")
        page = list_tasks(actor=me(), filters=filters, sort=sort, limit=PAGE_SIZE)
    counts = {t[0]: _count(t[0]) for t in TABS}
    return render_template("tasks/list.html", rows=task_rows(page.items), tabs=TABS, role=role,
                           status=status, sort=sort, next_cursor=page.next, counts=counts, args=request.args)


def _count(role: str) -> int | None:
    """Open tasks in a tab (shown up to 99+)."""
    page = list_tasks(actor=me(), filters={"role": role, "status": TaskStatus.OPEN}, limit=100)
    return len(page.items)


def _requested_links() -> list[tuple[str, int]]:
    """Records the task is about: `?entity=lead&ids=1&ids=2` (list bulk action) or `link=lead:1`."""
    links: list[tuple[str, int]] = []
    values = request.values
    name = values.get("entity", "")
    for raw in values.getlist("ids"):
        if raw.isdigit():
            links.append((name, int(raw)))
    for raw in values.getlist("link"):
        kind, _, rid = raw.partition(":")
        if rid.isdigit():
            links.append((kind, int(rid)))
    out = []
    for kind, rid in links:
        try:
            pair = (entity(kind).name, rid)
        except KeyError:
            continue
        if pair not in out:
            out.append(pair)
    return out


def _task_form(task: CrmTask | None, values: dict, errors: dict, links: list, status: int = 200,
               conflicts: list[dict] | None = None):
    titles = {}
    for name in ENTITIES:
        ids = [i for e, i in links if e == name]
        titles.update({(name, i): t for i, t in titles_by_id(name, ids, me()).items()})
    link_rows = [{"value": f"{e}:{i}", "label": ENTITIES[e].label, "url": record_url(e, i),
                  "title": titles.get((e, i), f"{ENTITIES[e].label} #{i}")} for e, i in links]
    return render_template("tasks/form.html", task=task, values=values, errors=errors, links=link_rows,
                           users=list_users(), conflicts=conflicts), status


def _submitted() -> dict:
    form = request.form
    data = {"title": form.get("title", ""), "description": form.get("description", ""),
            "deadline": form.get("deadline", ""), "responsible_id": form.get("responsible_id", ""),
            "observer_ids": [v for v in form.getlist("observer_ids") if v]}
    return data


def _in_utc(data: dict) -> dict:
    """The form's values for the service: the deadline was typed in the person's time zone."""
    return {**data, "deadline": from_local_input(data["deadline"])}


@pages.route("/tasks/new", methods=["GET", "POST"])
def task_new():
    links = _requested_links()
    if request.method == "GET":
        if request.args.get("entity") and not links:
            flash("Select at least one record in the list first.", "warning")
            return redirect(request.referrer or url_for("pages.task_list"))
        return _task_form(None, {"responsible_id": str(me().id)}, {}, links)
    data = _submitted()
    data["links"] = [{"entity": e, "id": i} for e, i in links]
    data["per_record"] = bool(request.form.get("per_record")) and len(links) > 1
    try:
        tasks = create_task(_in_utc(data), actor=me())
    except ValidationError as exc:
        db.session.rollback()
        values = {**data, "per_record": data["per_record"]}
        return _task_form(None, values, exc.fields or {"_": exc.message}, links, 422)
    many = len(tasks) > 1
    flash(f"{len(tasks)} tasks created." if many else f"Task “{tasks[0].title}” created.", "success")
    back = request.form.get("next", "")
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect(url_for("pages.task_view", task_id=tasks[0].id))


@pages.get("/tasks/<int:task_id>")
def task_view(task_id: int):
    task = get_task(task_id, actor=me())
    observers = users_by_id(observer_ids(task.id))
    creator = users_by_id([task.created_by_id]).get(task.created_by_id)
    return render_template("tasks/view.html", row=task_rows([task])[0], task=task,
                           observers=list(observers.values()), creator=creator)


@pages.route("/tasks/<int:task_id>/edit", methods=["GET", "POST"])
def task_edit(task_id: int):
    task = get_task(task_id, actor=me(), action="edit")
    links = task_links(task.id)
    if request.method == "GET":
        return _task_form(task, _task_values(task), {}, links)
    data = _submitted()
    try:
        update_task(task_id, _in_utc(data), actor=me(), if_match=form_version(request.form))
    except PreconditionFailed:
        db.session.rollback()
        return _stale_task_form(task_id, data, links)
    except ValidationError as exc:
        db.session.rollback()
        return _task_form(task, data, exc.fields or {"_": exc.message}, links, 422)
    flash("Task saved.", "success")
    return redirect(url_for("pages.task_view", task_id=task_id))


def _task_values(task: CrmTask) -> dict:
    return {"title": task.title, "description": task.description,
            "deadline": local_input(task.deadline),
            "responsible_id": str(task.responsible_id or ""),
            "observer_ids": [str(i) for i in observer_ids(task.id)]}


def _stale_task_form(task_id: int, mine: dict, links: list):
    """409: the task was saved by someone else since the form was loaded; the form keeps this
    user's values (and now the current version) and lists each field whose saved value differs."""
    task = get_task(task_id, actor=me(), action="edit")
    theirs = _task_values(task)
    people = users_by_id([int(i) for i in [*theirs["observer_ids"], *mine["observer_ids"],
                                           theirs["responsible_id"], mine["responsible_id"]] if i.isdigit()])

    def shown(name: str, value: object) -> str:
        if name == "responsible_id":
            return people[int(value)].full_name if str(value).isdigit() and int(value) in people else ""
        if name == "observer_ids":
            return ", ".join(people[int(i)].full_name for i in value if i.isdigit() and int(i) in people)
        return str(value).replace("\r\n", "\n").strip()

    labels = {"title": "Title", "description": "Description", "deadline": "Deadline",
              "responsible_id": "Responsible", "observer_ids": "Observers"}
    conflicts = [{"label": label, "theirs": shown(name, theirs[name]), "yours": shown(name, mine[name])}
                 for name, label in labels.items() if shown(name, theirs[name]) != shown(name, mine[name])]
    return _task_form(task, mine, {}, links, 409, conflicts=conflicts)


@pages.post("/tasks/<int:task_id>/<any(complete,reopen):action>")
def task_status(task_id: int, action: str):
    task = (complete_task if action == "complete" else reopen_task)(task_id, actor=me())
    flash(f"Task “{task.title}” {'completed' if action == 'complete' else 'reopened'}.", "success")
    back = request.form.get("next", "")
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect(url_for("pages.task_view", task_id=task_id))
