"""Statuses the engine compares. StrEnums: each member is its string, so stored values, the
Camunda-compatible answers and templates stay exactly what they were."""
from __future__ import annotations

from enum import StrEnum


class InstanceStatus(StrEnum):
    RUNNING = "running"  # queued for or inside a step
    WAITING = "waiting"  # at a user task, timer, message or call
    COMPLETED = "completed"
    ERROR = "error"  # an incident: retry, modify or terminate
    SUSPENDED = "suspended"
    TERMINATED = "terminated"


ACTIVE_STATUSES = (InstanceStatus.RUNNING, InstanceStatus.WAITING, InstanceStatus.ERROR,
                   InstanceStatus.SUSPENDED)
FINISHED_STATUSES = (InstanceStatus.COMPLETED, InstanceStatus.TERMINATED)


class HumanTaskState(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    CANCELLED = "cancelled"  # interrupted by a boundary event, a termination...
