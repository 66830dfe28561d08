"""DMN decisions: deploy .dmn files as versioned decision definitions, evaluate them.

A file may define several decisions; each becomes the next version of its key (the
decision id), unless the newest version came from the identical file. Tables are compiled
once per version and cached; evaluation is bounded (engine.dmn).
"""
from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from engine.deploy import DiagramInvalid, check_upload_size, require_designer
from engine.dmn import Decision, DmnError, evaluate, map_result, parse_decisions
from engine.models import DecisionDefinition
from engine.spiff.decision_task import DECISION_TOPIC
from engine.spiff.xmlsafe import parse_xml
from errors import NotFound, ValidationError
from extensions import db
from org import audit
from org.actors import Actor, actor_user

__all__ = ["DECISION_TOPIC"]  # the service-handler topic of business rule tasks (engine.runtime)
_COMPILED: dict[tuple[int, str, int, str], Decision] = {}
MAX_CACHED = 256


def deploy_decisions(data: bytes, *, actor: Actor) -> list[DecisionDefinition]:
    """Check a DMN file and store each of its decisions as a new version (422 naming the problem)."""
    require_designer(actor)
    check_upload_size(data)
    try:
        decisions = parse_decisions(data)
    except DmnError as exc:
        raise DiagramInvalid([{"element": exc.where or None, "message": exc.reason}]) from exc
    digest = hashlib.sha256(data).hexdigest()
    user = actor_user(actor)
    rows = [_store(decision, data, digest, user.id if not user.is_system else None)
            for decision in decisions]
    db.session.flush()
    audit.record("decision.deploy", f"decisions {', '.join(r.key for r in rows)}"[:200],
                 {"versions": {r.key: r.version for r in rows}, "sha256": digest}, actor=actor)
    return rows


def _store(decision: Decision, data: bytes, digest: str, user_id: int | None) -> DecisionDefinition:
    latest = latest_decision(decision.key)
    if latest is not None and latest.dmn_sha256 == digest:
        return latest
    row = DecisionDefinition(
        key=decision.key, version=(latest.version + 1) if latest else 1, name=decision.name,
        hit_policy=decision.hit_policy, version_tag=decision.version_tag, dmn=data,
        dmn_sha256=digest, created_by_id=user_id)
    db.session.add(row)
    return row


def latest_decision(key: str) -> DecisionDefinition | None:
    """The newest version of a decision, or None."""
    return db.session.scalar(select(DecisionDefinition).where(DecisionDefinition.key == key)
                             .order_by(DecisionDefinition.version.desc()).limit(1))


def get_decision(key: str, version: int | None = None) -> DecisionDefinition:
    """A decision's newest version, or the given one (404 naming what is missing)."""
    if version is None:
        row = latest_decision(key)
    else:
        row = db.session.scalar(select(DecisionDefinition).where(
            DecisionDefinition.key == key, DecisionDefinition.version == version))
    if row is None:
        raise NotFound(f"No decision {key!r}" + (f" version {version}" if version is not None else ""))
    return row


def compiled(row: DecisionDefinition) -> Decision:
    """The compiled table of a stored version (cached: versions never change)."""
    # Keyed by content too: a wiped table (tests) or SQLite reusing an id must not hit a stale entry.
    cache_key = (row.id, row.key, row.version, row.dmn_sha256)
    found = _COMPILED.get(cache_key)
    if found is None:
        found = next(d for d in parse_decisions(row.dmn) if d.key == row.key)
        if len(_COMPILED) >= MAX_CACHED:
            _COMPILED.pop(next(iter(_COMPILED)))
        _COMPILED[cache_key] = found
    return found


def evaluate_decision(key: str, variables: Any, actor: Actor, *, version: int | None = None,
                      as_json: bool = True) -> list[dict[str, Any]]:
    """Evaluate a decision for any signed-in actor: the result list (422 naming the rule/column);
    dates as ISO text unless `as_json` is False."""
    if not isinstance(variables, dict):
        raise ValidationError.from_fields({"variables": "Expected an object of variable values"})
    row = get_decision(key, version)
    try:
        result = evaluate(compiled(row), variables)
        return jsonable(result) if as_json else result
    except DmnError as exc:
        raise ValidationError(f"The decision could not be evaluated: {exc}",
                              {"variables": str(exc)}) from exc


def jsonable(result: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Dates as ISO text, so results go into JSON and process variables unchanged."""
    return [{k: v.isoformat() if isinstance(v, datetime) else v for k, v in item.items()}
            for item in result]


def list_decisions() -> list[dict]:
    """Every decision key with its newest version."""
    newest = (select(DecisionDefinition.key, func.max(DecisionDefinition.version).label("v"))
              .group_by(DecisionDefinition.key).subquery())
    rows = db.session.scalars(select(DecisionDefinition).join(
        newest, (newest.c.key == DecisionDefinition.key) & (newest.c.v == DecisionDefinition.version))
        .order_by(DecisionDefinition.key))
    return [decision_to_dict(row) for row in rows]


def decision_to_dict(row: DecisionDefinition) -> dict:
    """A decision version as the API shows it."""
    return {"key": row.key, "version": row.version, "name": row.name, "hit_policy": row.hit_policy,
            "version_tag": row.version_tag, "sha256": row.dmn_sha256,
            "created_at": row.created_at.isoformat() + "Z" if row.created_at else None}


def decision_for_task(ref: str, binding: str | None, version: str | None) -> Decision:
    """The decision a business rule task names (latest, or the pinned version)."""
    if (binding or "latest") == "version":
        try:
            number = int(version or "")
        except ValueError:
            raise DmnError(f"decisionRefVersion {version!r} is not a number") from None
        return compiled(get_decision(ref, number))
    return compiled(get_decision(ref))


def missing_decision_refs(refs: list[tuple[str, str, str | None, str | None]]) -> list[dict]:
    """Deploy-time check of business rule tasks [(element, ref, binding, version)]: problems found."""
    problems = []
    for element, ref, binding, version in refs:
        if "${" in ref or "#{" in ref:
            continue  # an expression: resolved when the task runs
        try:
            decision_for_task(ref, binding, version)
        except (NotFound, DmnError) as exc:
            problems.append({"element": element, "message": f"decisionRef: {exc}: deploy the DMN file "
                                                            "first"})
    return problems


def run_business_rule(params: dict[str, Any]) -> dict[str, Any]:
    """What a business rule task asks the platform: evaluate, map (camunda:mapDecisionResult)."""
    decision = decision_for_task(params["ref"], params.get("binding"), params.get("version"))
    result = jsonable(evaluate(decision, params.get("variables") or {}))
    return {"value": map_result(result, params.get("map"))}


BPMN_TASK = "{http://www.omg.org/spec/BPMN/20100524/MODEL}businessRuleTask"
CAMUNDA_BPMN = "{http://camunda.org/schema/1.0/bpmn}"


def business_rule_problems(bpmn: bytes) -> list[dict]:
    """Deploy-time check that every business rule task of a diagram names a deployed decision."""
    refs = []
    for el in parse_xml(bpmn).iter(BPMN_TASK):
        ref = (el.get(CAMUNDA_BPMN + "decisionRef") or "").strip()
        if ref:
            refs.append((el.get("id"), ref, el.get(CAMUNDA_BPMN + "decisionRefBinding"),
                         el.get(CAMUNDA_BPMN + "decisionRefVersion")))
    return missing_decision_refs(refs)
