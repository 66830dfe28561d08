"""Run a workflow's automatic tasks within a budget, so no diagram can hold a worker.

`run_engine` replaces SpiffWorkflow's `do_engine_steps` (which runs until nothing is
ready, however long that takes). It runs the same passes (subworkflows deepest first,
then the workflow) but counts every engine task it runs:
* per step: at most `step_tasks` tasks and `step_seconds` of wall time; then it stops
  between two tasks and reports `more=True`: the caller stores what was done and runs the
  instance again in a new step, so long work interleaves with other instances;
* per instance: the tasks run over the instance's whole life are counted in its state;
  past `instance_tasks`, the next task is put in error with a message naming the element
  and the limit (an incident, never "completed");
* `camunda:asyncBefore` / `asyncAfter` end the step before / after the element (as Camunda
  commits at an asynchronous continuation); the next step runs it / what follows;
* `request_stop()` (a worker shutting down) makes every running step stop at the next
  task boundary, as if its budget were spent.
Finished work is pruned (engine.spiff.prune) whenever the tree has grown by a few tasks,
after every join and at the end of the step; each task's data is shared the Camunda way as
it completes (engine.spiff.scope).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.util.task import TaskState

from engine.spiff import events as _events
from engine.spiff.async_retry import waiting_retry
from engine.spiff.listeners import hooks_of
from engine.spiff.prune import prune_tree
from engine.spiff.scope import after_run

COUNT_KEY = "flowdesk_engine_tasks"
ASYNC_PASSED = "flowdesk_async_before"  # set on a task once its asyncBefore boundary committed
MAX_IDLE_ROUNDS = 1000  # rounds that run nothing but interrupts: a defect, not a diagram
PRUNE_GROWTH = 4  # prune during a step once the tree grew by this many tasks (and at its end)
_stopping = threading.Event()


@dataclass(frozen=True)
class Limits:
    """Budgets of one step and of an instance's life (config: FLOWDESK_ENGINE_STEP_TASKS etc.)."""

    step_tasks: int = 1000
    step_seconds: float = 2.0
    instance_tasks: int = 1_000_000
    async_retries: int = 3  # attempts of a failed asynchronous continuation (engine.spiff.async_retry)


@dataclass
class Run:
    """What one bounded run did."""

    tasks: int = 0
    more: bool = False
    completed: list[Any] = field(default_factory=list)  # tasks completed, in order (for the log)
    started: dict = field(default_factory=dict)  # task id -> time.time() just before it ran (history)


class InstanceLimitReached(WorkflowTaskException):
    """The instance ran more engine tasks than its limit allows."""


class _BudgetSpent(Exception):
    """The step's budget is spent: stop between two tasks."""


def request_stop() -> None:
    """Make running steps stop at their next task boundary (the process is shutting down)."""
    _stopping.set()


def clear_stop() -> None:
    """Let steps run their full budget again (a worker (re)starting)."""
    _stopping.clear()


def stop_requested() -> bool:
    """Whether a shutdown asked steps to stop early."""
    return _stopping.is_set()


def _size(workflow: Any) -> int:
    """Tasks in the workflow and its subworkflows."""
    top = workflow.top_workflow
    return len(top.tasks) + sum(len(sub.tasks) for sub in top.subprocesses.values())


class _Budget:
    """Counts tasks against the step's and the instance's limits."""

    def __init__(self, workflow: Any, limits: Limits, run: Run) -> None:
        self.root = workflow.top_workflow.task_tree
        self.limits, self.run = limits, run
        self.deadline = time.monotonic() + limits.step_seconds
        self.pruned_at = _size(workflow)

    def prune(self, workflow: Any, force: bool = False) -> None:
        """Prune when the tree has grown enough since the last time (always with `force`)."""
        if force or _size(workflow) >= self.pruned_at + PRUNE_GROWTH:
            prune_tree(workflow)
            self.pruned_at = _size(workflow)

    def take(self, task: Any) -> None:
        """Account for `task` before it runs, or stop the step / fail the task."""
        run, limits = self.run, self.limits
        if run.tasks >= limits.step_tasks or time.monotonic() >= self.deadline or _stopping.is_set():
            raise _BudgetSpent
        total = self.root.internal_data.get(COUNT_KEY, 0)
        if total >= limits.instance_tasks:
            raise InstanceLimitReached(
                f"the instance ran {total:,} engine tasks, its limit (FLOWDESK_ENGINE_INSTANCE_TASKS="
                f"{limits.instance_tasks:,}); it stopped here. Look for an endless loop", task=task)
        self.root.internal_data[COUNT_KEY] = total + 1
        run.tasks += 1


def _async(task: Any, when: str) -> bool:
    """Whether the element is marked camunda:async<when> (engine.spiff.hook_parse)."""
    return when in hooks_of(task.task_spec).get("async", ())


def _boundary_before(task: Any) -> None:
    """Stop the step before an asyncBefore element, once: what led to it commits first."""
    if _async(task, "before") and not task.internal_data.get(ASYNC_PASSED):
        task.internal_data[ASYNC_PASSED] = True
        raise _BudgetSpent


def _run_ready(workflow: Any, budget: _Budget) -> int:
    """Run the workflow's READY automatic tasks (one pass, as SpiffWorkflow does)."""
    count = 0
    for task in workflow.get_tasks(state=TaskState.READY):
        if task.task_spec.manual or waiting_retry(task):  # a retry waits for its due time
            continue
        _boundary_before(task)
        budget.take(task)
        budget.run.started[task.id] = time.time()
        task.run()
        after_run(task)
        if isinstance(task.task_spec, StartEvent):
            _events.interrupt_on_start(task)
        budget.run.completed.append(task)
        if isinstance(task.task_spec, Join):  # its cancelled siblings would count as tokens next time
            budget.prune(workflow, force=True)
        count += 1
        if _async(task, "after"):  # its end commits on its own; what follows runs in a new step
            raise _BudgetSpent
    return count


def _pass(workflow: Any, budget: _Budget) -> bool:
    """One engine pass: subworkflows deepest first, then the workflow; True if anything moved."""
    active = workflow.get_active_subprocesses()
    for sub in sorted(active, key=lambda w: w.depth, reverse=True):
        while _run_ready(sub, budget):
            pass
        if sub.parent_task_id is not None:
            parent = workflow.get_task_from_id(sub.parent_task_id)
            parent.task_spec._update(parent)
    count = _run_ready(workflow, budget)
    budget.prune(workflow)
    return count > 0 or len(workflow.get_active_subprocesses()) > len(active)


def _drain(workflow: Any, budget: _Budget) -> None:
    """`do_engine_steps` within the budget: passes until nothing moves, then refresh timers."""
    while _pass(workflow, budget):
        pass
    workflow.refresh_timers()


def run_engine(workflow: Any, limits: Limits | None = None, run: Run | None = None) -> Run:
    """Run automatic tasks up to the next waits or the budget; task failures raise as before
    (`run`, when given, still tells what ran before the failure)."""
    run = run if run is not None else Run()
    budget = _Budget(workflow, limits or Limits(), run)
    try:
        for _ in range(MAX_IDLE_ROUNDS):
            before = run.tasks
            _drain(workflow, budget)
            if _events.apply_interrupts(workflow):
                continue
            if not workflow.get_tasks(state=TaskState.READY, manual=False) or run.tasks == before:
                break
        budget.prune(workflow, force=True)
    except _BudgetSpent:
        run.more = True
        budget.prune(workflow, force=True)
    finally:  # pruning may have dropped them from the tree: readers of this step look here
        workflow.flowdesk_ran = run.completed
        workflow.flowdesk_started = run.started
    return run


def ran_tasks(workflow: Any) -> list[Any]:
    """The tasks the last `run_engine` on this workflow object completed (pruned or not)."""
    return list(getattr(workflow, "flowdesk_ran", ()))


def started_times(workflow: Any) -> dict:
    """Task id -> when the last `run_engine` on this workflow object started running it."""
    return dict(getattr(workflow, "flowdesk_started", {}))


def engine_tasks(workflow: Any) -> int:
    """How many engine tasks the instance has run in its life."""
    return workflow.top_workflow.task_tree.internal_data.get(COUNT_KEY, 0)


def unreached(workflow: Any) -> Any:
    """An unfinished task of a workflow SpiffWorkflow believes completed, if any.

    Its iterator stops 1,000 levels down the task tree: tasks below are never run and the
    workflow looks completed. Such a workflow did not complete.
    """
    if not workflow.is_completed():
        return None
    for task in workflow.tasks.values():
        if not task.has_state(TaskState.FINISHED_MASK):
            return task
    return None


TREE_LIMIT_MESSAGE = ("the engine could not reach this element: the task tree is deeper than "
                      "SpiffWorkflow's limit of 1,000 levels, and the instance stopped here")


def errors_of(task: Any) -> list[dict[str, Any]]:
    """The error of one task as engine.spiff.snapshot.errors reports errors (none for None)."""
    if task is None:
        return []
    spec = task.task_spec
    return [{"task_id": str(task.id), "element_id": getattr(spec, "bpmn_id", None) or spec.name,
             "name": getattr(spec, "bpmn_name", None), "message": task.internal_data.get("error")}]
