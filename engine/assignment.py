"""Who a user task goes to: camunda:assignee, candidateUsers, candidateGroups and the lane.

Users are named by id or e-mail. A candidate group is a department ("department:<id>", or a
department id), a workgroup ("workgroup:<id>", when the portal has workgroups), or a name: the
key "group:<name>" (trimmed, case-folded, `group_key`), which every member of a department or
workgroup of that name holds, and of a department above theirs (`user_group_keys`), whenever
they look; so a task offered to "accounting" reaches whoever is in an "Accounting" department
or workgroup at the time, one created, renamed or joined after the task too, and leaves those
who left it or renamed it. The lane is the group "lane:<name>" and, when it names a department
or workgroup, that group as well. `${...}` is an expression over the process variables
(`${record.responsible_id}`). A task with no assignee and no candidates goes to the
record's responsible. What cannot be resolved is reported in `notes`, never raised; a
"department:<id>" or "workgroup:<id>" that does not exist (deleted since the diagram was
drawn) is such a note and no candidate, so the task is not offered to no one.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from flask import has_request_context
from sqlalchemy import func, select

from crm import access
from extensions import db
from org.models import Department, User

GROUP_PREFIXES = ("department", "workgroup", "lane", "group")


@dataclass
class Assignment:
    """The resolved assignee, candidate users and group keys, and what went wrong."""

    assignee_id: int | None = None
    user_ids: list[int] = field(default_factory=list)
    group_keys: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add_user(self, user_id: int) -> None:
        if user_id not in self.user_ids:
            self.user_ids.append(user_id)

    def add_group(self, key: str) -> None:
        if key not in self.group_keys:
            self.group_keys.append(key)


def resolve_assignment(task: dict, variables: dict, *, responsible_id: int | None = None) -> Assignment:
    """Resolve the assignment attributes of one open user task (see the module docstring).

    Attributes may be raw diagram text or values the runner already evaluated (lists too);
    the runner's `assignment_errors` become notes.
    """
    out = Assignment(notes=[str(e) for e in task.get("assignment_errors") or []])
    assignee = _raw(task, "assignee")
    if assignee not in (None, ""):
        out.assignee_id = _assignee(assignee, variables, out)
    for value in _items(task, variables, out, "candidate user", "candidate_users", "candidateUsers"):
        user = find_active_user(value)
        if user is None:
            out.notes.append(f"Unknown candidate user {value!r}")
        else:
            out.add_user(user.id)
    explicit = False
    for value in _items(task, variables, out, "candidate group", "candidate_groups", "candidateGroups"):
        explicit |= _add_group(value, out)
    lane = str(_raw(task, "lane") or "").strip()
    lane_resolved = bool(lane) and _add_lane(lane, out)
    if out.assignee_id is None and not out.user_ids and not explicit and not lane_resolved:
        _fallback(out, responsible_id)
    return out


def _raw(task: dict, *names: str) -> object:
    """The first attribute present among `names`, on the task or its `extensions`."""
    for source in (task, task.get("extensions") or {}):
        for name in names:
            value = source.get(name)
            if value not in (None, "", []):
                return value
    return None


def _items(task: dict, variables: dict, out: Assignment, what: str, *names: str) -> list:
    """A candidate list as values: a comma text (items may be `${...}`) or an evaluated list."""
    raw = _raw(task, *names)
    if raw is None:
        return []
    if isinstance(raw, str):
        items = split_list(raw)
    else:
        items = list(raw) if isinstance(raw, (list, tuple)) else [raw]
    values: list = []
    for item in items:
        values.extend(_values(item, variables, out, what) if isinstance(item, str) else [item])
    return [v for v in values if v not in (None, "")]


def is_expression(text: str) -> bool:
    """True when the whole text is one `${...}` / `#{...}` (JUEL) expression."""
    from engine.spiff.expressions import is_expression as whole_expression

    return whole_expression(text)


def split_list(text: str) -> list[str]:
    """Split a comma list, keeping commas inside `${...}` expressions."""
    items: list[str] = []
    depth, start = 0, 0
    for i, ch in enumerate(text):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(depth - 1, 0)
        elif ch == "," and depth == 0:
            items.append(text[start:i])
            start = i + 1
    items.append(text[start:])
    return [item.strip() for item in items if item.strip()]


def evaluate_expression(text: str, variables: dict) -> object:
    """The value of a `${...}` (JUEL) expression, or the text itself when it is a literal."""
    if not is_expression(text):
        return text
    from engine.spiff.expressions import parameter_value

    return parameter_value(text.strip(), dict(variables))


def _values(item: str, variables: dict, out: Assignment, what: str) -> list:
    """One list item as values: an expression may yield one value or a list."""
    try:
        value = evaluate_expression(item, variables)
    except Exception as exc:  # the sandbox reports uploader errors; they must not stop the task
        out.notes.append(f"The {what} expression {item} failed: {exc}")
        return []
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple, set)):
        return [v for v in value if v not in (None, "")]
    return [value]


def _assignee(raw: object, variables: dict, out: Assignment) -> int | None:
    values = _values(raw, variables, out, "assignee") if isinstance(raw, str) else [raw]
    if len(values) > 1 or isinstance(values[0] if values else None, (list, tuple)):
        out.notes.append(f"The assignee {raw} gave several values; use candidateUsers")
        return None
    if not values:
        if isinstance(raw, str) and is_expression(raw) and not out.notes:
            out.notes.append(f"The assignee {raw} gave no user")
        return None
    user = find_active_user(values[0])
    if user is None:
        out.notes.append(f"Unknown assignee {values[0]!r}")
        return None
    return user.id


def find_active_user(ref: object) -> User | None:
    """An active, non-system user by id or e-mail."""
    if isinstance(ref, bool):
        return None
    if isinstance(ref, float) and ref.is_integer():
        ref = int(ref)
    if isinstance(ref, int) or (isinstance(ref, str) and ref.strip().isdigit()):
        user = db.session.get(User, int(ref))
    elif isinstance(ref, str) and "@" in ref:
        user = db.session.scalar(select(User).where(User.email == ref.strip().lower()))
    else:
        return None
    if user is None or user.is_system or not user.active:
        return None
    return user


def _add_group(value: object, out: Assignment) -> bool:
    """Add the group key(s) for one candidate group; True when it names a group at all."""
    text = str(value).strip()
    prefix, _, rest = text.partition(":")
    if rest and prefix in GROUP_PREFIXES:
        if prefix == "department" and not _department_exists(rest):
            out.notes.append(f"Unknown department {rest!r}")
            return False
        if prefix == "workgroup" and not _workgroup_exists(rest):
            # offered to no one, the task would sit unseen but by administrators: the fallback takes it
            out.notes.append(f"Unknown workgroup {rest!r}")
            return False
        out.add_group(f"{prefix}:{rest.strip()}")
        return True
    if text.isdigit() and _department_exists(text):
        out.add_group(f"department:{int(text)}")
        return True
    key = group_key(text)
    if not group_keys_for_name(text):
        out.notes.append(waiting_note(key))
    out.add_group(key)
    return True


def group_key(name: str) -> str:
    """The one form of a group named in a diagram ("Accounting " -> "group:accounting"), as stored
    in human_task_candidate (100 characters) and as users hold it."""
    return f"group:{name.strip().casefold()}"[:100]


def waiting_note(key: str) -> str:
    """The note for a task offered to a name no department or workgroup bears (yet)."""
    name = key.partition(":")[2]
    return (f"No department or workgroup is named {name!r} yet: the task waits for one of that name "
            "and its members; until then only administrators see it")


def candidate_group_keys(groups: list[str]) -> list[str]:
    """The group keys that a list of group names, ids or `prefix:id` refs resolve to."""
    out = Assignment()
    for group in groups:
        _add_group(group, out)
    return out.group_keys


def keys_for_group_id(group_id: str) -> list[str]:
    """The candidate keys a Camunda group id finds (`GET /engine-rest/task?candidateGroup=`): its
    own key and, for a name, the departments and workgroups bearing it now (a name was stored as
    their ids before names were kept as "group:<name>")."""
    out = Assignment()
    _add_group(group_id, out)
    text = str(group_id).strip()
    if text.partition(":")[0] not in GROUP_PREFIXES:
        for key in group_keys_for_name(text):
            out.add_group(key)
    return out.group_keys


def group_id_of(key: str) -> str:
    """A group key as Camunda's group id: the name of "group:<name>", any other key as it is."""
    prefix, _, rest = key.partition(":")
    return rest if prefix == "group" else key


def _add_lane(lane: str, out: Assignment) -> bool:
    """Add "lane:<name>" and the groups the lane name resolves to; True when any resolved."""
    out.add_group(f"lane:{lane}")
    keys = group_keys_for_name(lane)
    for key in keys:
        out.add_group(key)
    return bool(keys)


def _fallback(out: Assignment, responsible_id: int | None) -> None:
    user = find_active_user(responsible_id) if responsible_id else None
    if user is not None:
        out.assignee_id = user.id
    elif responsible_id:
        out.notes.append(f"The record's responsible {responsible_id} is not an active user")
    else:
        out.notes.append("No assignee, candidates or record responsible: only administrators see it")


def _department_exists(ref: str) -> bool:
    return ref.strip().isdigit() and db.session.get(Department, int(ref)) is not None


def _workgroup_exists(ref: str) -> bool:
    model = workgroup_model()
    return model is not None and ref.strip().isdigit() and db.session.get(model, int(ref)) is not None


def group_keys_for_name(name: str) -> list[str]:
    """Departments (by id or name) or workgroups (by name) that `name` refers to."""
    name = name.strip()
    if name.isdigit() and db.session.get(Department, int(name)) is not None:
        return [f"department:{int(name)}"]
    ids = db.session.scalars(select(Department.id).where(
        func.lower(Department.name) == name.lower()).order_by(Department.id))
    keys = [f"department:{i}" for i in ids]
    if keys:
        return keys
    model = workgroup_model()
    if model is not None:
        ids = db.session.scalars(select(model.id).where(func.lower(model.name) == name.lower()))
        keys = [f"workgroup:{i}" for i in ids]
    return keys


def _workgroups_module() -> object | None:
    """org.workgroups once the portal has workgroups, else None."""
    try:
        return importlib.import_module("org.workgroups")
    except ImportError:
        return None


def workgroup_model() -> type | None:
    """The portal's Workgroup model once it exists (company-portal issue), else None."""
    model = getattr(_workgroups_module(), "Workgroup", None)
    return model if model is not None and hasattr(model, "name") else None


def user_group_keys(user: User) -> list[str]:
    """The group keys a user belongs to: departments on their membership paths, workgroups, and
    the names of both ("group:<name>")."""
    keys: list[str] = []
    # In a request the rights (read once per request, departments first) hold the paths; every
    # page needs them anyway, so reading them here costs nothing the page would not pay later.
    rights = access.rights_of(user) if has_request_context() else None
    paths = rights.dept_paths if rights is not None else user.department_paths
    for path in paths:
        for part in path.strip("/").split("/"):
            if part and f"department:{part}" not in keys:
                keys.append(f"department:{part}")
    ids = rights.workgroup_ids if rights is not None else None
    keys.extend(f"workgroup:{i}" for i in (ids if ids is not None else _read_workgroup_ids(user.id)))
    names = rights.group_names if rights is not None else None
    for name in names if names is not None else _read_group_names(user.id, paths):
        if group_key(name) not in keys:
            keys.append(group_key(name))
    return keys


def _read_workgroup_ids(user_id: int) -> list[int]:
    member = getattr(_workgroups_module(), "WorkgroupMember", None)
    if member is None or not hasattr(member, "workgroup_id") or not hasattr(member, "user_id"):
        return []
    return list(db.session.scalars(select(member.workgroup_id).where(member.user_id == user_id)))


def _read_group_names(user_id: int, paths: list[str]) -> list[str]:
    """Outside a request: the names of the departments on `paths` and of the user's workgroups."""
    ids = {int(part) for path in paths for part in path.strip("/").split("/") if part.isdigit()}
    names = list(db.session.scalars(select(Department.name).where(Department.id.in_(ids)))) if ids else []
    model, member = workgroup_model(), getattr(_workgroups_module(), "WorkgroupMember", None)
    if model is not None and member is not None:
        names += db.session.scalars(select(model.name).join(member, member.workgroup_id == model.id)
                                    .where(member.user_id == user_id))
    return names
