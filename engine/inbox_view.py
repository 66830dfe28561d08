"""Inbox queries and inbox items as JSON: indexed reads of human_task rows, a few queries per page."""
from __future__ import annotations

from collections import defaultdict
from functools import cache

from sqlalchemy import ColumnElement, Select, and_, bindparam, func, inspect, or_, select

from crm import access
from crm.entities import ENTITIES, record_title
from crm.paging import Page, paginate
from crm.serialize import json_value
from engine.assignment import group_id_of, keys_for_group_id, user_group_keys
from engine.models import HumanTask, HumanTaskCandidate, ProcessDefinition, ProcessInstance, ProcessVersion
from engine.states import HumanTaskState
from errors import Forbidden, ValidationError
from extensions import db
from org.actors import Actor, actor_user
from org.admin import acts_as_admin
from org.models import User

SCOPES = ("mine", "groups", "all")
STATES = (*HumanTaskState, "all")


def parse_scope(scope: str | None) -> set[str]:
    """"mine", "groups", "all" or a comma list such as "mine,groups" (the default)."""
    parts = {p.strip() for p in (scope or "mine,groups").split(",") if p.strip()}
    if not parts or parts - set(SCOPES):
        raise ValidationError.from_fields({"scope": "Use mine, groups, all or mine,groups"})
    return parts


def list_inbox(actor: Actor, *, scope: str | None = "mine,groups", state: str = HumanTaskState.OPEN,
               entity: str | None = None, entity_id: int | None = None, limit: int = 50,
               cursor: str | None = None, offered: ColumnElement | None = None) -> Page:
    """One page (newest first) of the actor's tasks and/or their groups' unclaimed tasks;
    `offered` narrows it further (`offered_to`)."""
    stmt = select(HumanTask).where(inbox_condition(actor, parse_scope(scope), state))
    if offered is not None:
        stmt = stmt.where(offered)
    if state != "all":
        stmt = stmt.where(HumanTask.state == state)
    if entity:
        stmt = stmt.where(HumanTask.entity == entity)
    if entity_id is not None:
        stmt = stmt.where(HumanTask.entity_id == entity_id)
    return paginate(stmt, HumanTask, "-id", None, limit, cursor, db.session)


def inbox_condition(actor: Actor, scopes: set[str], state: str = HumanTaskState.OPEN):
    """The WHERE clause for the scopes; "all" is for administrators only."""
    if state not in STATES:
        raise ValidationError.from_fields({"state": f"Must be one of {', '.join(STATES)}"})
    user = actor_user(actor)
    if "all" in scopes:
        if not acts_as_admin(user):
            raise Forbidden("Only administrators can list every task")
        return HumanTask.id.is_not(None)
    parts = []
    if "mine" in scopes:
        parts.append(HumanTask.assignee_id == user.id)
        if state != HumanTaskState.OPEN:
            parts.append(HumanTask.completed_by_id == user.id)
    if "groups" in scopes:
        parts.append(and_(HumanTask.assignee_id.is_(None), HumanTask.id.in_(_candidate_ids(user))))
    return or_(*parts)


def _candidate_ids(user: User):
    keys = user_group_keys(user)
    who = HumanTaskCandidate.user_id == user.id
    if keys:
        who = or_(who, HumanTaskCandidate.group_key.in_(keys))
    return select(HumanTaskCandidate.human_task_id).where(who)


def offered_to(group_ids: list[str] | None) -> ColumnElement:
    """Tasks offered to any of these Camunda group ids (a name, "department:5"), or with a
    candidate group at all when `group_ids` is None."""
    found = select(HumanTaskCandidate.human_task_id)
    if group_ids is None:
        return HumanTask.id.in_(found.where(HumanTaskCandidate.group_key.is_not(None)))
    keys = sorted({key for group in group_ids for key in keys_for_group_id(group)})
    return HumanTask.id.in_(found.where(HumanTaskCandidate.group_key.in_(keys)))


COUNT_SCOPES = ("mine", "groups")


def inbox_count_columns(actor: Actor) -> list:
    """The open-task counts of `inbox_counts` as scalar subqueries, one per scope (COUNT_SCOPES),
    for a caller that selects them with other counts in one statement."""
    return [select(func.count(HumanTask.id)).where(
        HumanTask.state == HumanTaskState.OPEN, inbox_condition(actor, {scope})).scalar_subquery()
        for scope in COUNT_SCOPES]


def inbox_counts(actor: Actor) -> dict[str, int]:
    """Open tasks: assigned to the actor, and unclaimed in their groups (for the navigation).
    One statement of two scalar subqueries, so each count keeps its own index plan."""
    row = db.session.execute(select(*inbox_count_columns(actor))).one()
    return {scope: n or 0 for scope, n in zip(COUNT_SCOPES, row, strict=True)}


def task_to_dict(row: HumanTask, *, actor: Actor) -> dict:
    """One inbox item; with its Camunda Form (schema and starting data) when it has one."""
    out = tasks_to_dicts([row], actor=actor)[0]
    out["camunda_form"] = None
    if row.camunda_form_id is not None:
        from engine.form_models import CamundaForm

        form = db.session.get(CamundaForm, row.camunda_form_id)
        out["camunda_form"] = {"key": form.key, "version": form.version, "schema": form.schema,
                               "data": {**(row.form_input or {}), **(row.data or {})}}
    return out


def tasks_to_dicts(rows: list[HumanTask], *, actor: Actor) -> list[dict]:
    """Inbox items; the record only when the actor may read it (the form is always there)."""
    open_rows = [r for r in rows if r.state == HumanTaskState.OPEN]
    # a task's candidate rows go when it is completed (inbox.close_row)
    candidates = _candidates([r.id for r in rows if r.state != HumanTaskState.COMPLETED])
    users = _users({r.assignee_id for r in rows} | {r.completed_by_id for r in rows})
    records = _records(rows, actor)
    processes = _processes({r.instance_id for r in rows})
    user = actor_user(actor)
    # the user's groups matter only for an open task with no assignee (_may)
    keys = set(user_group_keys(user)) if any(r.assignee_id is None for r in open_rows) else set()
    out = []
    for r in rows:
        cand = candidates.get(r.id, {"users": [], "groups": []})
        out.append({
            "id": r.id, "instance_id": r.instance_id, "task_uuid": r.task_uuid,
            "element_id": r.element_id, "name": r.name, "state": r.state,
            "process": processes.get(r.instance_id),
            "assignee": users.get(r.assignee_id), "claimed_by_id": r.claimed_by_id,
            "candidates": cand, "form": r.form or [], "record": records.get((r.entity, r.entity_id)),
            "created_at": json_value(r.created_at), "claimed_at": json_value(r.claimed_at),
            "due_at": json_value(r.due_at), "completed_at": json_value(r.completed_at),
            "completed_by": users.get(r.completed_by_id), "data": r.data,
            "can_complete": r.state == HumanTaskState.OPEN and _may(r, user, cand, keys),
        })
    return out


def _may(row: HumanTask, user: User, cand: dict, keys: set[str]) -> bool:
    if row.assignee_id is not None:
        return row.assignee_id == user.id
    return user.id in cand["users"] or bool(keys & set(cand["groups"]))


def identity_links(row: HumanTask) -> list[dict]:
    """Camunda's IdentityLinkDto of a task: its assignee, candidate users and candidate groups
    (a group named in the diagram by its name, "accounting"; others by key, "department:5")."""
    links = [{"userId": str(row.assignee_id), "groupId": None, "type": "assignee"}] if row.assignee_id else []
    cand = _candidates([row.id]).get(row.id, {"users": [], "groups": []})
    links += [{"userId": str(user_id), "groupId": None, "type": "candidate"} for user_id in cand["users"]]
    return links + [{"userId": None, "groupId": group_id_of(key), "type": "candidate"}
                    for key in cand["groups"]]


def _candidates(ids: list[int]) -> dict[int, dict]:
    found: dict[int, dict] = defaultdict(lambda: {"users": [], "groups": []})
    if ids:
        for task_id, user_id, key in db.session.execute(
                select(HumanTaskCandidate.human_task_id, HumanTaskCandidate.user_id,
                       HumanTaskCandidate.group_key)
                .where(HumanTaskCandidate.human_task_id.in_(ids)).order_by(HumanTaskCandidate.id)):
            if user_id is not None:
                found[task_id]["users"].append(user_id)
            if key:
                found[task_id]["groups"].append(key)
    return found


def _users(ids: set[int | None]) -> dict[int, dict]:
    """Id -> {id, name, email}; users the session holds loaded (the actor, mostly) need no query."""
    rows = [u for u in map(_loaded_user, ids) if u is not None]
    missing = {i for i in ids if i} - {u.id for u in rows}
    if missing:
        rows += db.session.scalars(_by_ids(User), {"ids": sorted(missing)})
    return {u.id: {"id": u.id, "name": u.full_name, "email": u.email} for u in rows}


_SHOWN = frozenset({"email", "first_name", "last_name"})  # what an item shows of a person


def _loaded_user(user_id: int | None) -> User | None:
    """The user if this transaction loaded the columns an item shows (an expired relationship,
    such as memberships after an earlier commit, does not matter)."""
    if not user_id:
        return None
    user = db.session.identity_map.get(inspect(User).identity_key_from_primary_key((user_id,)))
    return user if user is not None and not (_SHOWN & inspect(user).unloaded) else None


# Built once: a statement object keeps its cache key, which a fresh one computes again per request.
@cache
def _by_ids(model: type) -> Select:
    return select(model).where(model.id.in_(bindparam("ids", expanding=True)))


def _records(rows: list[HumanTask], actor: Actor) -> dict[tuple[str, int], dict]:
    """(entity, id) -> {entity, id, title} for the records the actor may read."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for r in rows:
        if r.entity in ENTITIES and r.entity_id is not None:
            wanted[r.entity].add(r.entity_id)
    out = {}
    for entity, ids in wanted.items():
        for record in db.session.scalars(_by_ids(ENTITIES[entity].model), {"ids": sorted(ids)}):
            if access.can(actor, entity, "read", record):
                out[(entity, record.id)] = {"entity": entity, "id": record.id, "title": record_title(record)}
    return out


def _processes(instance_ids: set[int]) -> dict[int, dict]:
    if not instance_ids:
        return {}
    rows = db.session.execute(_processes_query(), {"ids": sorted(instance_ids)})
    return {i: {"key": key, "name": name or key, "version": number} for i, key, name, number in rows}


@cache
def _processes_query() -> Select:
    return (select(ProcessInstance.id, ProcessDefinition.key, ProcessVersion.name, ProcessVersion.number)
            .join(ProcessVersion, ProcessVersion.id == ProcessInstance.version_id)
            .join(ProcessDefinition, ProcessDefinition.id == ProcessVersion.definition_id)
            .where(ProcessInstance.id.in_(bindparam("ids", expanding=True))))


def next_task_for(actor: Actor, instance_id: int) -> HumanTask | None:
    """The oldest open task of the instance the actor may work on (opened after completing one)."""
    return db.session.scalar(
        select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.state == HumanTaskState.OPEN,
                                inbox_condition(actor, {"mine", "groups"}))
        .order_by(HumanTask.id).limit(1))
