"""Process instances: list, detail (log, variables, tasks, diagram states), control."""
from __future__ import annotations

from flask import current_app, g, jsonify, request

from engine import instances as svc
from errors import ValidationError
from web.api import api


@api.get("/process-instances")
def list_instances():  # noqa: ANN201
    args = request.args
    raw_limit = args.get("limit", "50")
    cap = current_app.config["API_PAGE_MAX"]
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= cap:
        raise ValidationError.from_fields({"limit": f"A whole number from 1 to {cap}"})
    before = args.get("before")
    if before is not None and not before.isdigit():
        raise ValidationError.from_fields({"before": "Expected an instance id"})
    rows = svc.list_instances(actor=g.actor, entity=args.get("entity") or None,
                              entity_id=args.get("entity_id") or None,
                              status=args.get("status") or None, limit=int(raw_limit),
                              before=int(before) if before else None)
    nxt = rows[-1].id if len(rows) == int(raw_limit) else None
    return jsonify({"items": [svc.instance_to_dict(r) for r in rows], "next": nxt})


@api.get("/process-instances/<int:instance_id>")
def get_instance(instance_id: int):  # noqa: ANN201
    instance = svc.get_instance(instance_id, actor=g.actor)
    return jsonify(svc.instance_detail(instance, actor=g.actor))


ACTIONS = {
    "retry": svc.retry_instance, "suspend": svc.suspend_instance,
    "resume": svc.resume_instance, "terminate": svc.terminate_instance,
}


@api.post("/process-instances/<int:instance_id>/<any(retry,suspend,resume,terminate):action>")
def control_instance(instance_id: int, action: str):  # noqa: ANN201
    instance = ACTIONS[action](instance_id, actor=g.actor)
    return jsonify(svc.instance_to_dict(instance))
