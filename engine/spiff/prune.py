"""Prune finished work from a workflow's task tree, so loops keep state and time flat.

SpiffWorkflow 3.2.0 keeps every task it ever ran: each loop iteration adds its tasks below
the previous ones, so the tree grows one level per element run. Its iterator stops at depth
1,000 (a loop of ~333 three-element iterations then stops silently and looks completed),
every pass over the tree costs time proportional to the tree, and the stored state grows
with every iteration. Here, between engine passes:
* dead tasks are dropped: finished tasks that are no ancestor of an unfinished task, unless
  a join still looks at them (a join task of a spec with an unfinished task reads its
  cancelled siblings' parents' data) or they are the workflow's `last_task`;
* chains of completed tasks are spliced: a completed task whose only child is completed
  (and has children) is removed, its child attached to its parent. Tasks next to unfinished
  work keep their parents (a waiting join inherits its parent's data), and the split task a
  structured join (boundary events) still searches for is kept;
* a completed subprocess task that goes takes its finished subworkflow with it.
Element ids of removed tasks are remembered on the root task, so the diagram still colours
them as completed (or cancelled).
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.util.task import TaskState

PRUNED_KEY = "flowdesk_pruned_elements"
CALL_KEY = "call"  # engine.spiff.calls: the child instance of a call task, until reported


def _ancestors_of_unfinished(workflow: Any) -> tuple[set, set[str], set[str]]:
    """(ids to keep, spec names of unfinished joins, split names structured joins look for)."""
    keep: set = set()
    joins: set[str] = set()
    splits: set[str] = set()
    for task in workflow.tasks.values():
        if task.has_state(TaskState.FINISHED_MASK) and not task.has_state(TaskState.ERROR):
            continue
        spec = task.task_spec
        if isinstance(spec, Join):
            joins.add(spec.name)
            if spec.split_task:
                splits.add(spec.split_task)
        node = task
        while node is not None and node.id not in keep:
            keep.add(node.id)
            node = node.parent
    return keep, joins, splits


def _protected(workflow: Any, keep: set, joins: set[str]) -> None:
    """Add to `keep` the finished join tasks a pending join reads, call tasks whose child the
    platform has not been told about (cancelled calls end their child), the last task, and
    their ancestors."""
    extra = [t for t in workflow.tasks.values()
             if t.task_spec.name in joins or isinstance(t.internal_data.get(CALL_KEY), int)]
    if workflow.last_task is not None:
        extra.append(workflow.last_task)
    for task in extra:
        node = task
        while node is not None and node.id not in keep:
            keep.add(node.id)
            node = node.parent


def _forget(workflow: Any, task: Any, elements: dict[str, str]) -> None:
    """Remove one finished task from the workflow's index, with its subworkflow if it had one."""
    workflow.tasks.pop(task.id, None)
    top = workflow.top_workflow
    if task.id in top.subprocesses:
        _drop_subprocess(top, task.id)
    element = getattr(task.task_spec, "bpmn_id", None)
    if element and task.has_state(TaskState.COMPLETED):
        elements[element] = "completed"
    elif element and task.has_state(TaskState.CANCELLED):
        elements.setdefault(element, "cancelled")


def _drop_subprocess(top: Any, task_id: Any) -> None:
    """Remove a finished subworkflow and the ones nested in it."""
    sub = top.subprocesses.pop(task_id)
    for nested in [s for s in top.subprocesses.values() if s.parent_workflow is sub]:
        if nested.parent_task_id in top.subprocesses:
            _drop_subprocess(top, nested.parent_task_id)


def _drop_dead(workflow: Any, keep: set, elements: dict[str, str]) -> int:
    """Remove every task outside `keep` (whole dead subtrees)."""
    dead = [t for t in workflow.tasks.values() if t.id not in keep and t._parent is not None]
    dead_ids = {t.id for t in dead}
    for task in dead:
        parent = workflow.tasks.get(task._parent)
        if task._parent not in dead_ids and parent is not None and task.id in parent._children:
            parent._children.remove(task.id)
    for task in dead:
        _forget(workflow, task, elements)
    return len(dead)


def _splice_chains(workflow: Any, splits: set[str], elements: dict[str, str]) -> int:
    """Remove completed tasks whose only child is completed and has children of its own."""
    spliced = 0
    for task in list(workflow.tasks.values()):
        parent = task.parent
        if parent is None or len(task._children) != 1 or task is workflow.last_task:
            continue
        if not task.has_state(TaskState.COMPLETED) or task.task_spec.name in splits:
            continue
        child = workflow.tasks.get(task._children[0])
        if child is None or not child.has_state(TaskState.COMPLETED) or not child._children:
            continue
        parent._children[parent._children.index(task.id)] = child.id
        child._parent = parent.id
        _forget(workflow, task, elements)
        spliced += 1
    return spliced


def prune_tree(workflow: Any) -> int:
    """Prune one workflow and its subworkflows; returns how many tasks went."""
    removed = 0
    top = workflow.top_workflow
    for wf in [top, *list(top.subprocesses.values())]:
        if wf is not top and top.subprocesses.get(wf.parent_task_id) is not wf:
            continue  # dropped with its parent meanwhile
        elements: dict[str, str] = {}
        keep, joins, splits = _ancestors_of_unfinished(wf)
        _protected(wf, keep, joins)
        removed += _drop_dead(wf, keep, elements)
        removed += _splice_chains(wf, splits, elements)
        if elements:
            known = wf.task_tree.internal_data.setdefault(PRUNED_KEY, {})
            for element, state in elements.items():
                if known.get(element) != "completed":
                    known[element] = state
    return removed


def pruned_elements(workflow: Any) -> dict[str, str]:
    """Element id -> "completed" | "cancelled" of tasks pruned from the workflow and its subworkflows."""
    top = workflow.top_workflow
    found: dict[str, str] = {}
    for wf in [top, *top.subprocesses.values()]:
        for element, state in wf.task_tree.internal_data.get(PRUNED_KEY, {}).items():
            if found.get(element) != "completed":
                found[element] = state
    return found
