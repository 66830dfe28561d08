"""Move a workflow onto another version's spec with SpiffWorkflow's diff helpers.

`SpecDiff` aligns the old spec's task specs with the new one's by id (SpiffWorkflow
bpmn/util/diff.py); an explicit mapping {old element id: new element id} overrides that for
renamed elements (and the specs SpiffWorkflow derives from them, `<id>.BoundaryEventSplit`...).
A task whose element has no counterpart cannot be moved: `problems` names those elements
(the caller refuses the migration); `migrate_workflow` then points every task at its new
spec and re-predicts the paths ahead of the ready and waiting tasks.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from engine.spiff import serializer as _ser

PLACED = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR | TaskState.FINISHED_MASK


class MigrateError(ValueError):
    """The workflow cannot move; the message names the elements."""


def _element(spec: Any) -> str:
    return getattr(spec, "bpmn_id", None) or spec.name


def _apply_mapping(diff: SpecDiff, new: Any, mapping: dict[str, str]) -> None:
    """Point the old specs of mapped elements (and their derived specs) at the new ones."""
    for old in list(diff.alignment):
        name = old.name
        for source, target in mapping.items():
            if name == source or name.startswith(source + "."):
                found = new.task_specs.get(target + name[len(source):])
                if found is None:
                    found = next((s for s in new.task_specs.values() if getattr(s, "bpmn_id", None) == target
                                  and name == source), None)
                if found is not None:
                    diff.alignment[old] = found
                    diff.comparisons[old] = diff._compare_task_specs(old, found)


def _diffs(workflow: Any, spec: Any, subprocess_specs: dict, mapping: dict[str, str]) -> list[tuple]:
    """[(workflow or subworkflow, its WorkflowDiff or None, its new spec or None)]."""
    registry = _ser.serializer().registry
    out = []
    targets = [(workflow, spec)] + [(sub, subprocess_specs.get(sub.spec.name))
                                    for sub in workflow.subprocesses.values()]
    for flow, new in targets:
        if new is None:
            out.append((flow, None, None))
            continue
        spec_diff = SpecDiff(registry, flow.spec, new)
        _apply_mapping(spec_diff, new, mapping)
        out.append((flow, WorkflowDiff(flow, spec_diff), new))
    return out


def plan(workflow: Any, spec: Any, subprocess_specs: dict, mapping: dict[str, str]) -> tuple[dict, list[str]]:
    """({old element: new element} for the tasks on the tree that change id, [elements with no
    counterpart that the instance is at or has run])."""
    moves: dict[str, str] = {}
    problems: list[str] = []
    for flow, diff, _new in _diffs(workflow, spec, subprocess_specs, mapping):
        if diff is None:
            problems.append(_element(flow.spec))
            continue
        for task in diff.removed:
            if task.has_state(PLACED) and _element(task.task_spec) not in problems:
                problems.append(_element(task.task_spec))
        for task, new_spec in diff.alignment.items():
            old_id, new_id = _element(task.task_spec), _element(new_spec)
            if old_id != new_id and task.has_state(PLACED):
                moves[old_id] = new_id
    return moves, problems


def migrate(workflow: Any, spec: Any, subprocess_specs: dict, mapping: dict[str, str]) -> dict[str, str]:
    """Move the workflow onto `spec`; returns the element moves (MigrateError when it cannot)."""
    moves, problems = plan(workflow, spec, subprocess_specs, mapping)
    if problems:
        raise MigrateError("no counterpart in the new version for " + ", ".join(problems))
    for flow, diff, new in _diffs(workflow, spec, subprocess_specs, mapping):
        migrate_workflow(diff, flow, new)
    workflow.subprocess_specs = dict(subprocess_specs)
    state = _ser.serialize_state(workflow)
    _ser.deserialize_state(state, spec, subprocess_specs)  # it must load on the new version
    return moves
