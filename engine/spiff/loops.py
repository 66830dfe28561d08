"""Standard loops (`bpmn:standardLoopCharacteristics`) whose state stays flat.

SpiffWorkflow's StandardLoopTask keeps the id of every finished iteration in a list whose
length is the iteration count, and keeps every iteration's task below the loop task: a loop
of 100,000 iterations stores 100,000 ids. Here the count is a number, and finished
iterations are left to engine.spiff.prune (they are dead once merged).
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.bpmn_task_spec import BpmnTaskSpec
from SpiffWorkflow.bpmn.specs.defaults import StandardLoopTask
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

COUNT_KEY = "iterations"


class FlowdeskStandardLoopTask(StandardLoopTask):
    """A standard loop counting its iterations instead of listing them."""

    def _iterations(self, my_task: Any) -> int:
        return int(my_task.internal_data.get(COUNT_KEY, 0))

    def _update_hook(self, my_task: Any) -> bool | None:
        """Start the first iteration (or complete at once when testBefore fails)."""
        if my_task.has_state(TaskState.STARTED):
            return None  # iterations are running: never start over
        BpmnTaskSpec._update_hook(self, my_task)  # the data, without the stock loop's start
        my_task.internal_data[COUNT_KEY] = 0
        if self.test_before and self.loop_complete(my_task):
            return True
        my_task._set_state(TaskState.STARTED)
        self.create_child(my_task)
        return None

    def create_child(self, my_task: Any) -> None:
        """Add the next iteration."""
        task_spec = my_task.workflow.spec.task_specs[self.task_spec]
        if not task_spec.completed_event.is_connected(self.merge_child):
            task_spec.completed_event.connect(self.merge_child)
        child = my_task._add_child(task_spec, TaskState.WAITING)
        child.triggered = True
        child.internal_data["iteration"] = self._iterations(my_task)
        child.task_spec._update(child)

    def merge_child(self, workflow: Any, child: Any) -> None:
        """An iteration finished: keep its data, count it, loop or finish."""
        my_task = child.parent
        if my_task is None or my_task.task_spec is not self or not my_task.has_state(TaskState.STARTED):
            return
        DeepMerge.merge(my_task.data, child.data)
        my_task.internal_data[COUNT_KEY] = self._iterations(my_task) + 1
        if self.loop_complete(my_task):
            my_task._set_state(TaskState.READY)
        else:
            self.create_child(my_task)

    def loop_complete(self, my_task: Any) -> bool:
        """loopMaximum reached, or the loopCondition no longer holds."""
        if self.maximum is not None and self._iterations(my_task) >= int(self.maximum):
            return True
        engine = my_task.workflow.script_engine
        return self.condition is not None and not engine.evaluate(my_task, self.condition)


ParserTable = dict[str, tuple[type, type]]


def with_standard_loops(classes: ParserTable, tags: set[str]) -> ParserTable:
    """A copy of a parser class table whose activity parsers build FlowdeskStandardLoopTask."""
    out = dict(classes)
    for tag in tags:
        parser_class, spec_class = out[tag]
        attrs = {"STANDARD_LOOP_CLASS": FlowdeskStandardLoopTask}
        out[tag] = (type(f"Loop{parser_class.__name__}", (parser_class,), attrs), spec_class)
    return out
