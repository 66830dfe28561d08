"""Who besides the responsible counts as an owner ("own" level) of a record, per entity.

An entity's registry entry names one of these (crm/entities.py); crm/access.py applies it in
SQL and in Python, so the rights code never asks which entity it is looking at.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, exists, select

from crm.models import TaskObserver
from extensions import db


@dataclass(frozen=True)
class Owners:
    """Extra owners: `sql(user_id, cols)` adds WHERE terms, `check(user_id, record)` one record."""

    sql: Callable[[int, dict], list[ColumnElement]]
    check: Callable[[int, object], bool]


def _task_owners_sql(user_id: int, cols: dict) -> list[ColumnElement]:
    """The creator and the observers (when the caller has those columns)."""
    parts = []
    if cols.get("created_by") is not None:
        parts.append(cols["created_by"] == user_id)
    if cols.get("id") is not None:
        observed = select(TaskObserver.task_id).where(TaskObserver.user_id == user_id)
        parts.append(cols["id"].in_(observed))
    return parts


def _task_owner(user_id: int, record: object) -> bool:
    if record.created_by_id == user_id:
        return True
    return record.id is not None and bool(db.session.scalar(select(exists().where(
        TaskObserver.task_id == record.id, TaskObserver.user_id == user_id))))


CREATOR_AND_OBSERVERS = Owners(_task_owners_sql, _task_owner)
