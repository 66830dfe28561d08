"""Retries of failed jobs, as Camunda retries a failed job (`camunda:failedJobRetryTimeCycle`).

In Camunda an asynchronous continuation or a timer is a job; when it fails, the job is retried
before an incident opens. Here:
* an element with `camunda:failedJobRetryTimeCycle` (`R3/PT5M`, or `PT1M,PT5M,PT10M`) that
  fails, or that began the failing step (an asyncBefore element, a timer event), is reset and
  attempted again after each delay of its cycle: the task waits with a due time kept in its
  data, reported as a timer (an engine_timer row, fired by the beat, surviving restarts);
* without a cycle, a failed asyncBefore/asyncAfter element is attempted `attempts` times
  (FLOWDESK_ENGINE_ASYNC_RETRIES, 3) with no timer: the beat's stale sweep runs it again;
* anything else fails at once (an incident).
The attempts per element are counted on the root task; the last one's message says so.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState

from engine.spiff.listeners import hooks_of

ATTEMPTS_KEY = "flowdesk_async_attempts"
RETRY_DUE = "flowdesk_retry_due"  # on a task reset for another attempt: when it may run (ISO, UTC)
RETRY_DELAYS = "flowdesk_retry_delays"  # the cycle that task's job retries by (its own or its step's)
RETRIES_LEFT = "flowdesk_retries_left"  # and how many attempts remain after it (shown on the instance)
_REPEAT = re.compile(r"^R(\d+)/(P\S+)$")
CYCLE_HELP = "write R<retries>/<duration> (R3/PT5M) or a comma-separated list of durations (PT1M,PT5M)"


def parse_retry_cycle(text: str) -> list[float]:
    """The delays in seconds before each retry of `R3/PT5M` or `PT1M,PT5M`; ValueError when invalid."""
    text = (text or "").strip()
    repeat = _REPEAT.match(text)
    parts = [repeat.group(2)] * int(repeat.group(1)) if repeat else [p.strip() for p in text.split(",")]
    if not text or (repeat and int(repeat.group(1)) > 100) or not all(p.startswith("P") for p in parts):
        raise ValueError(f"{text!r} is not a retry cycle: {CYCLE_HELP}")
    try:
        return [_seconds(TimerEventDefinition.parse_iso_duration(p)) for p in parts]
    except Exception:
        raise ValueError(f"{text!r} is not a retry cycle: {CYCLE_HELP}") from None


def _seconds(parsed: dict[str, float]) -> float:
    """SpiffWorkflow's parsed duration in seconds (a year 365 days, a month 30, as a job's delay)."""
    days = parsed.get("years", 0) * 365 + parsed.get("months", 0) * 30 + parsed.get("weeks", 0) * 7
    return timedelta(days=days + parsed.get("days", 0), hours=parsed.get("hours", 0),
                     minutes=parsed.get("minutes", 0), seconds=parsed.get("seconds", 0)).total_seconds()


def _element(spec: Any) -> str:
    return getattr(spec, "bpmn_id", None) or spec.name


def _job_delays(task: Any, first: Any) -> list[float] | None:
    """The failed job's retry delays: the element's own cycle, else that of the element that
    began the step (an asyncBefore element or a timer event), else None."""
    delays = hooks_of(task.task_spec).get("retry_delays") or task.internal_data.get(RETRY_DELAYS)
    if delays is None and first is not None and first.task_spec is not task.task_spec:
        hooks = hooks_of(first.task_spec)
        began_job = "before" in hooks.get("async", ()) or _is_timer(first.task_spec)
        delays = hooks.get("retry_delays") if began_job else None
    return delays


def _is_timer(spec: Any) -> bool:
    return isinstance(getattr(spec, "event_definition", None), TimerEventDefinition)


def retry_failed_async(workflow: Any, attempts: int, first: Any = None,
                       now: datetime | None = None) -> dict[str, Any] | None:
    """Reset the one failed task if its job has attempts left: {element_id, message, retries_left,
    due_at (None: no timer)}; None when it stays failed (an incident). `first`: the step's first task."""
    failed = workflow.get_tasks(state=TaskState.ERROR)
    if len(failed) != 1:
        return None
    task = failed[0]
    delays = _job_delays(task, first)
    if delays is None and not hooks_of(task.task_spec).get("async"):
        return None
    total = len(delays) + 1 if delays is not None else attempts
    root = workflow.top_workflow.task_tree
    counts = dict(root.internal_data.get(ATTEMPTS_KEY) or {})
    element = _element(task.task_spec)
    used = counts.get(element, 0) + 1
    counts[element] = used
    root.internal_data[ATTEMPTS_KEY] = counts
    message = task.internal_data.get("error") or f"{element} failed"
    if used >= total:
        task._set_internal_data(error=f"{message} (failed {used} times, no retries left)")
        return None
    workflow.reset_from_task_id(task.id)
    due = None
    if delays:
        due = (now or datetime.now(UTC).replace(tzinfo=None)) + timedelta(seconds=delays[used - 1])
        waiting = workflow.get_task_from_id(task.id)
        waiting.internal_data[RETRY_DUE], waiting.internal_data[RETRIES_LEFT] = due.isoformat(), total - used
        waiting.internal_data[RETRY_DELAYS] = delays  # its job's cycle, for its next failure
    return {"element_id": element, "message": message, "retries_left": total - used, "due_at": due}


def waiting_retry(task: Any) -> bool:
    """Whether a READY task waits for its retry's due time (engine.spiff.stepping skips it)."""
    return RETRY_DUE in task.internal_data


def _waiting(workflow: Any) -> list[Any]:
    if not workflow.top_workflow.task_tree.internal_data.get(ATTEMPTS_KEY):
        return []  # nothing ever failed: no need to look
    return [t for t in workflow.get_tasks(state=TaskState.READY) if waiting_retry(t)]


def retry_timers(workflow: Any) -> list[dict[str, Any]]:
    """The waiting retries as timers {task_id, element_id, due} (due: ISO 8601 with its offset)."""
    return [{"task_id": str(t.id), "element_id": _element(t.task_spec),
             "due": datetime.fromisoformat(t.internal_data[RETRY_DUE]).replace(tzinfo=UTC).isoformat()}
            for t in _waiting(workflow)]


def release_due(workflow: Any, now: datetime) -> list[str]:
    """Let the retries due at `now` (naive UTC) run; return their element ids."""
    released = []
    for task in _waiting(workflow):
        if datetime.fromisoformat(task.internal_data[RETRY_DUE]) <= now:
            task.internal_data.pop(RETRY_DUE)
            task.internal_data.pop(RETRIES_LEFT, None)
            released.append(_element(task.task_spec))
    return released


def pending_retries(workflow: Any) -> list[dict[str, Any]]:
    """Failed jobs waiting for another attempt: [{element_id, retries_left, due_at (naive UTC)}]."""
    return [{"element_id": _element(task.task_spec), "retries_left": task.internal_data.get(RETRIES_LEFT, 0),
             "due_at": datetime.fromisoformat(task.internal_data[RETRY_DUE])} for task in _waiting(workflow)]
