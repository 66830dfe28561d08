"""engine.spiff for external tasks: the wait a service handler raises, and a worker's answers."""
from __future__ import annotations

from typing import Any

from engine.spiff_adapter import TaskNotOpen


def wait_for_worker() -> Exception:
    """The exception a service handler raises for a topic an external worker serves."""
    from engine.spiff.specs import WaitForWorker

    return WaitForWorker()


def complete_external(wf: Any, task_uuid: str, variables: dict, local: dict) -> str:
    """Complete a task waiting for a worker; returns its element id (TaskNotOpen when it no longer waits)."""
    from engine.spiff import external

    try:
        return external.complete(wf, task_uuid, variables, local)
    except external.NotWaiting as exc:
        raise TaskNotOpen(str(exc)) from None


def throw_external_error(wf: Any, task_uuid: str, code: str, message: str | None, variables: dict) -> bool:
    """Throw a worker's BPMN error from its task; True when an error event caught it."""
    from engine.spiff import external

    try:
        return external.throw_error(wf, task_uuid, code, message, variables)
    except external.NotWaiting as exc:
        raise TaskNotOpen(str(exc)) from None
