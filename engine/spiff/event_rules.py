"""Upload checks for the event elements added with signals, timer starts and link events."""

from __future__ import annotations

from typing import Any

from croniter import croniter

from engine.spiff.validation_rules import Reporter, local

TIMER_PARTS = ("timeDate", "timeDuration", "timeCycle")
# Why the engine refuses these (checked in SpiffWorkflow 3.2.0's source).
REFUSAL_HINTS = {
    "conditional": "; SpiffWorkflow evaluates a conditional event only when something refreshes its "
                   "waits, not on every variable change as Camunda does: use a message, signal or gateway",
    "compensation": "; SpiffWorkflow 3.2.0 has no compensation: model the undo steps explicitly",
    "cancel": "; cancel events belong to transactions, which are not supported",
}


def is_cron(text: str) -> bool:
    """A Camunda 7 (Quartz) cron expression: seconds first, `?` allowed (`0 0 9 * * ?`)."""
    return len(text.split()) in (6, 7) and croniter.is_valid(
        " ".join(text.split()[:6]), second_at_beginning=True)


def check_timer_start(report: Reporter, element_id: str, definition: Any) -> None:
    """A timer start event: a literal date, duration, ISO cycle or cron (no process variables yet)."""
    from engine.spiff.parser import unquote
    from engine.spiff.validation_rules import check_timer_literal

    parts = [child for child in definition if local(child) in TIMER_PARTS]
    if len(parts) != 1:
        report.error(element_id, "a timer needs exactly one of timeDate, timeDuration or timeCycle")
        return
    kind, text = local(parts[0]), (parts[0].text or "").strip()
    if "${" in text or "#{" in text:
        report.error(element_id, "a timer start event cannot use expressions: there are no process "
                                 "variables before the process starts; write the date, duration or cycle")
        return
    if kind == "timeCycle" and is_cron(unquote(text)):
        return
    problem = check_timer_literal(kind, text)
    if problem:
        hint = " or a cron expression such as 0 0 9 * * ?" if kind == "timeCycle" else ""
        report.error(element_id, f"timer {kind}: {problem}{hint}")
