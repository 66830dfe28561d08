"""CRM tasks: /api/v1/tasks."""
from __future__ import annotations

from flask import g, jsonify, request

from crm.serialize_tasks import task_to_dict, tasks_to_dicts
from crm.services import tasks as svc
from web.api import api, if_match, json_body, page_args, with_etag

LIST_PARAMS = {"limit", "cursor", "sort"}


@api.get("/tasks")
def list_tasks():
    limit, cursor = page_args()
    filters = {k: v for k, v in request.args.items() if k not in LIST_PARAMS}
    page = svc.list_tasks(actor=g.actor, filters=filters, sort=request.args.get("sort", "-id"),
                          limit=limit, cursor=cursor)
    return jsonify({"items": tasks_to_dicts(page.items, actor=g.actor), "next": page.next})


@api.post("/tasks")
def create_task():
    """One task (its JSON), or with `per_record` one task per record ({"items": [...]})."""
    data = json_body()
    tasks = svc.create_task(data, actor=g.actor)
    if data.get("per_record") is True:
        return jsonify({"items": tasks_to_dicts(tasks, actor=g.actor)}), 201
    return jsonify(task_to_dict(tasks[0], actor=g.actor)), 201


@api.get("/tasks/<int:task_id>")
def get_task(task_id: int):
    task = svc.get_task(task_id, actor=g.actor)
    return with_etag(jsonify(task_to_dict(task, actor=g.actor)), task.version)


@api.patch("/tasks/<int:task_id>")
def update_task(task_id: int):
    task = svc.update_task(task_id, json_body(), actor=g.actor, if_match=if_match())
    return with_etag(jsonify(task_to_dict(task, actor=g.actor)), task.version)


@api.delete("/tasks/<int:task_id>")
def delete_task(task_id: int):
    svc.delete_task(task_id, actor=g.actor, if_match=if_match())
    return "", 204
