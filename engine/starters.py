"""Who may start a process by hand (`camunda:candidateStarterUsers` / `candidateStarterGroups`),
and who did (`camunda:initiator` on a start event names a variable for the starter's user id).

As in Camunda, a process without either attribute may be started by anyone who may start
processes at all; with them, only the users named (by id or e-mail) and the members of the
groups named (departments and their sub-departments, workgroups: engine.assignment) may.
Administrators in admin mode and the engine itself (call activities, triggers) always may.
"""
from __future__ import annotations

from engine.assignment import candidate_group_keys, find_active_user, split_list, user_group_keys
from engine.models import ProcessVersion
from errors import Forbidden
from org.actors import Actor, ProcessActor, actor_user
from org.admin import acts_as_admin

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"


def candidate_starters(version: ProcessVersion) -> tuple[list[str], list[str]]:
    """(users, groups) named on the version's process; both empty when anyone may start it."""
    from engine.spiff.xmlsafe import parse_xml

    for process in parse_xml(version.bpmn).iter(f"{{{BPMN}}}process"):
        if process.get("id") == version.process_id:
            users = split_list(process.get(f"{{{CAMUNDA}}}candidateStarterUsers") or "")
            groups = split_list(process.get(f"{{{CAMUNDA}}}candidateStarterGroups") or "")
            return users, groups
    return [], []


def require_starter(version: ProcessVersion, actor: Actor) -> None:
    """Raise Forbidden unless the actor may start this version by hand."""
    users, groups = candidate_starters(version)
    if not users and not groups:
        return
    if isinstance(actor, ProcessActor) or acts_as_admin(actor):
        return
    user = actor_user(actor)
    if user.is_system:
        return
    if any((found := find_active_user(ref)) is not None and found.id == user.id for ref in users):
        return
    if set(candidate_group_keys(groups)) & set(user_group_keys(user)):
        return
    raise Forbidden(f"Only its candidate starters may start {version.process_id!r} "
                    "(camunda:candidateStarterUsers / candidateStarterGroups)")


_INITIATORS: dict[tuple[int, str], list[str]] = {}


def initiator_variables(version: ProcessVersion) -> list[str]:
    """The variables the process's start events name in `camunda:initiator` (versions never change)."""
    key = (version.id, version.bpmn_sha256)
    found = _INITIATORS.get(key)
    if found is None:
        from engine.spiff.xmlsafe import parse_xml

        found = []
        for process in parse_xml(version.bpmn).iter(f"{{{BPMN}}}process"):
            if process.get("id") == version.process_id:
                found = [name for start in process.findall(f"{{{BPMN}}}startEvent")
                         if (name := (start.get(f"{{{CAMUNDA}}}initiator") or "").strip()).isidentifier()]
        _INITIATORS[key] = found
    return found
