"""/engine-rest/task: the caller's user tasks (the inbox) as Camunda's TaskDto; claim, unclaim, complete."""
from __future__ import annotations

from flask import g, jsonify, request
from sqlalchemy import and_, not_, select

from engine import inbox
from engine.camunda_forms import camunda_form_fields
from engine.inbox_view import identity_links, list_inbox, offered_to
from engine.models import HumanTask, ProcessInstance, ProcessVersion
from engine.states import InstanceStatus
from errors import NotFound
from extensions import db
from org.actors import actor_user
from org.admin import acts_as_admin
from web.engine_rest import body, camunda_time, engine_rest, numeric_id
from web.engine_rest.variables import to_plain


def task_dict(row: HumanTask, suspended: bool = False, version: ProcessVersion | None = None) -> dict:
    """A user task as Camunda's TaskDto (formKey / camundaFormRef from its element, as Camunda 7.x)."""
    form_key, form_ref = camunda_form_fields(version, row.element_id) if version else (None, None)
    return {"id": str(row.id), "name": row.name,
            "assignee": str(row.assignee_id) if row.assignee_id else None,
            "created": camunda_time(row.created_at), "due": camunda_time(row.due_at), "followUp": None,
            "taskDefinitionKey": row.element_id, "processInstanceId": str(row.instance_id),
            "executionId": row.task_uuid, "processDefinitionId": None, "description": None,
            "owner": None, "priority": 50, "suspended": suspended, "tenantId": None, "formKey": form_key,
            "camundaFormRef": form_ref}


@engine_rest.get("/task")
def list_tasks():
    scope = "mine" if request.args.get("assignee") else "mine,groups"
    if request.args.get("unassigned") == "true":
        scope = "groups"
    groups = _candidate_groups()
    offered = None
    if groups is not None:  # Camunda: tasks offered to the groups and not taken yet
        scope = "all" if acts_as_admin(actor_user(g.actor)) else "groups"
        offered = and_(HumanTask.assignee_id.is_(None), offered_to(groups))
    elif request.args.get("withCandidateGroups") == "true":
        offered = offered_to(None)
    elif request.args.get("withoutCandidateGroups") == "true":
        offered = not_(offered_to(None))
    rows = list_inbox(g.actor, scope=scope, limit=200, offered=offered).items
    wanted = request.args.get("processInstanceId")
    rows = [r for r in rows if not wanted or str(r.instance_id) == wanted]
    paused = _suspended({r.instance_id for r in rows})
    versions = _versions({r.instance_id for r in rows})
    return jsonify([task_dict(r, r.instance_id in paused, versions.get(r.instance_id)) for r in rows])


def _candidate_groups() -> list[str] | None:
    """candidateGroup and candidateGroups (a comma list) as one list of group ids, or None."""
    groups = [request.args.get("candidateGroup") or ""]
    groups += (request.args.get("candidateGroups") or "").split(",")
    groups = [group.strip() for group in groups if group.strip()]
    return groups or None


def _versions(instance_ids: set[int]) -> dict[int, ProcessVersion]:
    """The process version of each instance (the task's element names its form)."""
    if not instance_ids:
        return {}
    rows = db.session.execute(select(ProcessInstance.id, ProcessVersion).join(
        ProcessVersion, ProcessVersion.id == ProcessInstance.version_id).where(
        ProcessInstance.id.in_(instance_ids)))
    return {instance_id: version for instance_id, version in rows}


def _suspended(instance_ids: set[int]) -> set[int]:
    """Of these instances, the suspended ones (their tasks cannot be completed)."""
    if not instance_ids:
        return set()
    return set(db.session.scalars(select(ProcessInstance.id).where(
        ProcessInstance.id.in_(instance_ids), ProcessInstance.status == InstanceStatus.SUSPENDED)))


@engine_rest.get("/task/<task_id>")
def get_task(task_id: str):
    row = inbox.get_task(numeric_id(task_id, "Task"), actor=g.actor)
    paused = row.instance_id in _suspended({row.instance_id})
    return jsonify(task_dict(row, paused, _versions({row.instance_id}).get(row.instance_id)))


@engine_rest.get("/task/<task_id>/identity-links")
def task_identity_links(task_id: str):
    """Camunda's identity links (`type` narrows them: assignee, candidate)."""
    links = identity_links(inbox.get_task(numeric_id(task_id, "Task"), actor=g.actor))
    wanted = request.args.get("type")
    return jsonify([link for link in links if not wanted or link["type"] == wanted])


@engine_rest.post("/task/<task_id>/claim")
def claim_task(task_id: str):
    inbox.claim_task(numeric_id(task_id, "Task"), actor=g.actor)
    return "", 204


@engine_rest.post("/task/<task_id>/unclaim")
def unclaim_task(task_id: str):
    inbox.release_task(numeric_id(task_id, "Task"), actor=g.actor)
    return "", 204


@engine_rest.post("/task/<task_id>/complete")
def complete_task(task_id: str):
    inbox.complete_task(numeric_id(task_id, "Task"), to_plain(body().get("variables")), actor=g.actor)
    return "", 204


@engine_rest.get("/task/<task_id>/form")
def task_form(task_id: str):
    """Camunda's FormDto: a Camunda Form's key (camunda-forms:deployment:ID), else none."""
    form = _camunda_form(task_id)
    key = f"camunda-forms:deployment:{form['key']}.form" if form else None
    return jsonify({"key": key, "contextPath": None,
                    "camundaFormRef": {"key": form["key"], "binding": "version", "version": form["version"]}
                    if form else None})


@engine_rest.get("/task/<task_id>/deployed-form")
def deployed_task_form(task_id: str):
    """The task's Camunda Form (form-js JSON), as Camunda answers for camunda-forms: keys."""
    form = _camunda_form(task_id)
    if form is None:
        raise NotFound(f"Task {task_id} has no Camunda Form (its form comes from camunda:formData)")
    return jsonify(form["schema"])


def _camunda_form(task_id: str) -> dict | None:
    row = inbox.get_task(numeric_id(task_id, "Task"), actor=g.actor)
    return inbox.task_to_dict(row, actor=g.actor)["camunda_form"]
