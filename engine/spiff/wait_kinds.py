"""Which kinds of wait rows an instance may hold, kept in its state (the root task's internal data).

A step syncs four tables with the waits it ends on: human_task, external_task, engine_timer and
message_wait. Most instances never hold some of these kinds, and an instance's first step holds
none: the runtime skips the query of a kind the instance cannot hold. Only a step writes these
rows, in the transaction that stores this note with the state, so the note covers every row.
A state without the note (made before it existed, or rebuilt) may hold every kind.
"""
from __future__ import annotations

from typing import Any

KEY = "flowdesk_wait_kinds"
HUMAN, EXTERNAL, TIMER, MESSAGE = "human", "external", "timer", "message"
ALL = frozenset((HUMAN, EXTERNAL, TIMER, MESSAGE))


def held(workflow: Any) -> frozenset[str]:
    """The kinds of rows the instance may hold now (all of them when its state does not say)."""
    kinds = workflow.top_workflow.task_tree.internal_data.get(KEY)
    return ALL if kinds is None else frozenset(kinds)


def note(workflow: Any, kinds: set[str] | frozenset[str]) -> None:
    """Record the kinds of rows the instance holds once the step's rows are written."""
    workflow.top_workflow.task_tree.internal_data[KEY] = sorted(kinds)
