"""Process-scope variables for branches that end or join, as Camunda 7 keeps them.

SpiffWorkflow gives every task its own copy of the data and merges copies only where
branches join, the last arriving branch's copy winning. So a variable written on a branch
that ends in its own end event (a parallel branch, the branch of a repeating
non-interrupting timer) is overwritten by the stale copy of the branch that ends last, and
at a parallel join the last branch undoes what the others wrote. In Camunda all of them
write one process scope. Here:
* when an end event completes, the variables its branch changed (compared with the task
  where the branch forked off) are written to every task of that workflow, so the
  branches still running, the next timer cycle and the final data all see them;
* when a join completes, its data is the fork's data plus each incoming branch's changes,
  in the order the branches arrived (the last writer wins, as in Camunda).
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.specs.mixins.unstructured_join import UnstructuredJoin
from SpiffWorkflow.util.task import TaskState

_MISSING = object()


def _fork(task: Any) -> Any:
    """The nearest ancestor with more than one child (where this branch began), or the root."""
    node = task.parent
    while node is not None and node.parent is not None and len(node._children) < 2:
        node = node.parent
    return node


def branch_changes(task: Any, base: Any) -> dict[str, Any]:
    """The variables `task`'s data holds with values other than `base`'s."""
    if base is None:
        return {}
    return {k: v for k, v in task.data.items() if base.data.get(k, _MISSING) != v}


def _share(task: Any) -> None:
    """An end event completed: its branch's writes reach every task of its workflow."""
    changes = branch_changes(task, _fork(task))
    if not changes:
        return
    for other in task.workflow.tasks.values():
        if other is not task:
            other.data.update(changes)


def _incoming(join: Any) -> list[Any]:
    """The last task of each branch that reached the join, in the order they arrived."""
    spec = join.task_spec
    arrived = [t for t in join.workflow.tasks.values()
               if t.task_spec is spec and t is not join and t.has_state(TaskState.CANCELLED)
               and t.parent is not None and not join.is_descendant_of(t)]
    ordered = sorted(arrived, key=lambda t: t.last_state_change)
    return [t.parent for t in ordered] + ([join.parent] if join.parent is not None else [])


def _rejoin(join: Any) -> None:
    """A join completed: fork data plus each branch's changes, last arrival last."""
    branches = _incoming(join)
    if len(branches) < 2:
        return
    fork = _common_ancestor(branches)
    if fork is None:
        return
    data = dict(fork.data)
    for branch in branches:
        data.update(branch_changes(branch, fork))
    join.data.update(data)
    for child in join.children:  # they inherited the join's data when it completed
        if child.has_state(TaskState.DEFINITE_MASK):
            child.data.update(data)


def _common_ancestor(tasks: list[Any]) -> Any:
    """The deepest task that is an ancestor of all `tasks`."""
    chains = []
    for task in tasks:
        chain, node = [], task.parent
        while node is not None:
            chain.append(node.id)
            node = node.parent
        chains.append(chain)
    common = set(chains[0]).intersection(*chains[1:])
    first = next((task_id for task_id in chains[0] if task_id in common), None)
    return tasks[0].workflow.tasks.get(first) if first is not None else None


def after_run(task: Any) -> None:
    """Apply process-scope semantics after the engine ran `task`."""
    spec = task.task_spec
    if isinstance(spec, EndEvent):
        _share(task)
    elif isinstance(spec, UnstructuredJoin) and task.has_state(TaskState.COMPLETED):
        _rejoin(task)
