"""CRM tasks as JSON-clean dicts, loading observers and linked records in a few queries."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from crm.entities import REGISTRY, record_title
from crm.models import CrmTask, TaskLink, TaskObserver
from crm.queries import titles_by_id
from crm.serialize import json_value
from extensions import db
from org.actors import Actor


def tasks_to_dicts(tasks: list[CrmTask], *, actor: Actor | None = None) -> list[dict]:
    """Dicts for many tasks; link titles only for records `actor` may read."""
    ids = [t.id for t in tasks]
    observers: dict[int, list[int]] = defaultdict(list)
    links: dict[int, list[tuple[str, int]]] = defaultdict(list)
    if ids:
        for task_id, uid in db.session.execute(select(TaskObserver.task_id, TaskObserver.user_id)
                                               .where(TaskObserver.task_id.in_(ids))
                                               .order_by(TaskObserver.id)):
            observers[task_id].append(uid)
        for task_id, entity, record_id in db.session.execute(
                select(TaskLink.task_id, TaskLink.entity, TaskLink.record_id)
                .where(TaskLink.task_id.in_(ids)).order_by(TaskLink.id)):
            links[task_id].append((entity, record_id))
    titles = _titles([pair for pairs in links.values() for pair in pairs], actor)
    return [_to_dict(t, observers[t.id], [
        {"entity": e, "id": i, "title": titles.get((e, i))} for e, i in links[t.id]]) for t in tasks]


def task_to_dict(task: CrmTask, *, actor: Actor | None = None) -> dict:
    return tasks_to_dicts([task], actor=actor)[0]


def _titles(pairs: list[tuple[str, int]], actor: Actor | None) -> dict[tuple[str, int], str]:
    """Display titles of linked records, one query per record type."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for entity, record_id in pairs:
        wanted[entity].add(record_id)
    found: dict[tuple[str, int], str] = {}
    for entity, ids in wanted.items():
        if actor is not None:
            titles = titles_by_id(entity, ids, actor=actor)
        else:
            model = REGISTRY[entity].model  # no actor: every title (event payloads, processes)
            rows = db.session.scalars(select(model).where(model.id.in_(ids)))
            titles = {r.id: record_title(r) for r in rows}
        found.update({(entity, i): title for i, title in titles.items()})
    return found


def _to_dict(task: CrmTask, observer_ids: list[int], links: list[dict]) -> dict:
    return {
        "id": task.id, "entity": "task", "title": task.title, "description": task.description,
        "deadline": json_value(task.deadline), "status": task.status,
        "responsible_id": task.responsible_id, "observer_ids": observer_ids, "links": links,
        "created_by_id": task.created_by_id, "created_at": json_value(task.created_at),
        "updated_at": json_value(task.updated_at), "completed_at": json_value(task.completed_at),
        "version": task.version,  # the ETag; send it back as If-Match
    }


def task_data(task: CrmTask) -> dict:
    """Every column of the task, JSON-clean: the record a process started on a task sees."""
    columns = task.__table__.columns.keys()
    return {"entity": "task", **{name: json_value(getattr(task, name)) for name in columns}}
