"""`camunda:historyTimeToLive`: finished instances (and, by cascade, their history, log and tasks)
are deleted that many days after they finished. A beat task runs `clean_history` hourly.

The time to live is read from each version's BPMN (the process element's attribute, in days:
"180" or "P180D"); a version without it keeps its instances for good.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from lxml import etree
from sqlalchemy import delete, select

from engine.models import ProcessDefinition, ProcessInstance, ProcessVersion
from engine.states import FINISHED_STATUSES
from extensions import db
from org.models import utcnow
from transactions import unit_of_work

CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_DAYS = re.compile(r"^(?:P)?(\d{1,6})D?$", re.IGNORECASE)


def ttl_days(bpmn: bytes, key: str) -> int | None:
    """The process `key`'s historyTimeToLive in days, or None when not set (or unreadable)."""
    try:
        root = etree.fromstring(bpmn, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except (etree.XMLSyntaxError, ValueError):
        return None
    for process in root.iter(f"{{{BPMN}}}process"):
        if process.get("id") == key:
            match = _DAYS.match((process.get(f"{{{CAMUNDA}}}historyTimeToLive") or "").strip())
            return int(match.group(1)) if match else None
    return None


def clean_history(now: datetime | None = None) -> int:
    """Delete finished instances older than their version's time to live; how many were deleted."""
    now = now or utcnow()
    deleted = 0
    versions = list(db.session.execute(select(ProcessVersion.id, ProcessDefinition.key).join(
        ProcessDefinition, ProcessDefinition.id == ProcessVersion.definition_id)))
    for version_id, key in versions:
        days = ttl_days(db.session.get(ProcessVersion, version_id).bpmn, key)
        if days is None:
            continue
        with unit_of_work():
            result = db.session.execute(delete(ProcessInstance).where(
                ProcessInstance.version_id == version_id, ProcessInstance.status.in_(FINISHED_STATUSES),
                ProcessInstance.completed_at < now - timedelta(days=days)))
            deleted += result.rowcount or 0
    return deleted
