"""Process instance modification (Camunda's "modify process instance"), for administrators.

Instructions run in order on the instance's task tree (engine.spiff.modify): cancel an
activity, start before an activity, start after an activity; optional variables are set
where the next tasks read them. The instance then runs a step (its human tasks, timers and
waits follow), its open incidents are resolved, and the change is logged and audited.
"""
from __future__ import annotations

from typing import Any

from engine import spiff_adapter as spiff
from engine.incidents import check_variables, resolve_open
from engine.models import InstanceEvent, ProcessInstance
from engine.runtime import flush_or_conflict, schedule_run
from engine.states import InstanceStatus
from errors import Conflict, NotFound, ValidationError
from extensions import db
from org import audit
from org.actors import Actor, actor_user
from org.admin import require_admin
from org.models import valid_id

TYPES = ("startBeforeActivity", "startAfterActivity", "cancel")
MODIFIABLE = (InstanceStatus.ERROR, InstanceStatus.WAITING)
MAX_INSTRUCTIONS = 50


def check_instructions(instructions: Any, known: set[str]) -> list[dict[str, str]]:
    """Instructions as given, checked: 422 naming the bad field or the unknown element ids."""
    if not isinstance(instructions, list) or not 0 < len(instructions) <= MAX_INSTRUCTIONS:
        raise ValidationError.from_fields({"instructions": f"Give 1 to {MAX_INSTRUCTIONS} instructions"})
    out, errors, unknown = [], {}, []
    for n, item in enumerate(instructions):
        if not isinstance(item, dict) or item.get("type") not in TYPES:
            errors[f"instructions[{n}].type"] = "One of " + ", ".join(TYPES)
            continue
        element = item.get("activityId")
        if not isinstance(element, str) or not element:
            errors[f"instructions[{n}].activityId"] = "Give the element id"
        elif element not in known:
            errors[f"instructions[{n}].activityId"] = f"No element {element[:100]!r} in this process version"
            unknown.append(element[:100])
        else:
            out.append({"type": item["type"], "activityId": element})
    if errors:
        message = f"Unknown element ids: {', '.join(unknown)}" if unknown else "Invalid instructions"
        raise ValidationError(message, fields=errors)
    return out


def modify_instance(instance_id: int, instructions: Any, variables: Any = None, *,
                    actor: Actor) -> ProcessInstance:
    """Apply the instructions, set the variables, and let the instance run on (administrators)."""
    require_admin(actor)
    instance = db.session.get(ProcessInstance, instance_id) if valid_id(instance_id) else None
    if instance is None:
        raise NotFound(f"No process instance {instance_id}")
    variables = check_variables(variables)
    from engine.spiff import modify

    known = modify.element_ids(*spiff.version_spec(instance.version))
    steps = check_instructions(instructions, known)
    if instance.status not in MODIFIABLE:
        raise Conflict(f"A {instance.status} instance cannot be modified (only one in error or waiting)")
    wf = spiff.load(instance)
    try:
        done = modify.apply(wf, steps)
    except modify.ModifyError as exc:
        raise ValidationError(str(exc), fields={"instructions": str(exc)}) from None
    if variables:
        modify.set_variables(wf, variables)
    _store(instance, wf, steps, variables, done, actor)
    return instance


def _store(instance: ProcessInstance, wf: Any, steps: list[dict], variables: dict, done: list[str],
           actor: Actor) -> None:
    """Keep the new state, log, audit, resolve the incidents and run the instance."""
    instance.state = spiff.dump(wf)
    instance.status = InstanceStatus.RUNNING
    instance.error_element = instance.error_message = None
    user = actor_user(actor)
    db.session.add(InstanceEvent(
        instance_id=instance.id, kind="modified", actor_id=user.id, on_behalf_of_id=user.id,
        message="Modified: " + "; ".join(done), data={"instructions": steps, "variables": sorted(variables)}))
    resolve_open(instance, actor, "modified: " + "; ".join(done))
    audit.record("process.modify", f"instance {instance.id}", {
        "process": instance.version.definition.key, "instructions": steps,
        "variables": sorted(variables)}, actor=actor)
    schedule_run(instance.id)
    flush_or_conflict()
