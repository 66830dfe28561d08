"""Camunda 7 multi-instance on any activity: `camunda:collection`, `camunda:elementVariable`,
`loopCardinality`, `completionCondition`, parallel or sequential (`isSequential="true"`); also
BPMN's `loopDataInputRef`/`inputDataItem` (the same as collection/elementVariable) and
`loopDataOutputRef`/`outputDataItem` (each instance's item collected in collection order).

SpiffWorkflow's own Camunda multi-instance rewrites the shared task spec at run time and
copies the whole collection into every instance; this one follows Camunda instead:
* `camunda:collection` is a variable name (`items`) or an expression (`${items}`), evaluated
  once when the activity starts; it must give a list. `loopCardinality` gives a count.
* each instance sees the process variables (all but the collection variable itself, which
  would otherwise be copied into every instance) plus its own `loopCounter`,
  `nrOfInstances`, `nrOfActiveInstances`, `nrOfCompletedInstances` and the element variable;
* variables an instance changes are written back to the process when it completes (the
  last writer wins); the loop variables are not. Sequential instances see what earlier
  ones wrote; parallel instances all start from the variables as they were when the
  activity started (Camunda shares one scope among them: a deliberate difference);
* `completionCondition` is evaluated after each instance with those variables in scope;
  when it holds, the remaining parallel instances are cancelled.
"""

from __future__ import annotations

import hashlib
import json
from copy import deepcopy
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.serializer.default.task_spec import BpmnTaskSpecConverter
from SpiffWorkflow.bpmn.specs.bpmn_task_spec import BpmnTaskSpec
from SpiffWorkflow.bpmn.specs.defaults import ParallelMultiInstanceTask, SequentialMultiInstanceTask
from SpiffWorkflow.util.task import TaskState

from engine.spiff.expressions import is_expression
from engine.spiff.sandbox import SandboxError

CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
LOOP_VARIABLES = ("loopCounter", "nrOfInstances", "nrOfActiveInstances", "nrOfCompletedInstances")


def fingerprint(value: Any) -> str:
    """A short digest of a JSON value: tells which variables an instance changed."""
    text = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def _label(task: Any) -> str:
    spec = task.task_spec
    return f"{spec.bpmn_name!r} ({spec.bpmn_id})" if spec.bpmn_name else str(spec.bpmn_id)


class CamundaMultiInstance:
    """Behaviour shared by the parallel and sequential multi-instance specs."""

    def __init__(self, wf_spec: Any, bpmn_id: str, task_spec: str, cardinality: str | None = None,
                 collection: str | None = None, element_variable: str | None = None,
                 condition: str | None = None, output_collection: str | None = None,
                 output_item: str | None = None, **kwargs: Any) -> None:
        super().__init__(wf_spec, bpmn_id, task_spec, cardinality=cardinality,  # type: ignore[call-arg]
                         condition=condition, **kwargs)
        self.collection = collection
        self.element_variable = element_variable
        # BPMN's loopDataOutputRef / outputDataItem: each instance's item, in collection order
        self.output_collection = output_collection
        self.output_item = output_item

    # ---- what the instances get ----------------------------------------------------------

    def _collection_name(self) -> str | None:
        """The variable named by `camunda:collection` (hidden from the instances), if plain."""
        if not self.collection:
            return None
        text = self.collection.strip()
        inner = text[2:-1].strip() if is_expression(text) else text
        return inner if inner.isidentifier() else None

    def _hidden(self) -> set[str]:
        return {*LOOP_VARIABLES, self.element_variable, self._collection_name(), self.output_item} - {None}

    def _items(self, my_task: Any) -> list[Any]:
        """The collection (a list) or `range(loopCardinality)`, evaluated once."""
        engine = my_task.workflow.script_engine
        if self.collection:
            text = self.collection.strip()
            if is_expression(text):
                value = engine.evaluate(my_task, text)
            elif text in my_task.data:
                value = my_task.data[text]
            else:
                raise WorkflowTaskException(f"the collection variable {text!r} is not set", task=my_task)
            if not isinstance(value, (list, tuple)):
                kind = type(value).__name__
                raise WorkflowTaskException(f"the collection {text!r} is a {kind}, not a list", task=my_task)
            return list(value)
        count = engine.evaluate(my_task, self.cardinality)
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise WorkflowTaskException(
                f"loopCardinality {self.cardinality!r} gave {count!r}, not a count", task=my_task)
        return list(range(count))

    def _create(self, my_task: Any, index: int, item: Any, active: int) -> None:
        """Add one instance with its loop variables; the collection stays with the process."""
        spec = my_task.workflow.spec.task_specs[self.task_spec]
        if not spec.completed_event.is_connected(self.merge_child):
            spec.completed_event.connect(self.merge_child)
        state = my_task.internal_data
        local = {"loopCounter": index, "nrOfInstances": state["count"], "nrOfActiveInstances": active,
                 "nrOfCompletedInstances": state["completed"]}
        if self.element_variable and self.collection:
            local[self.element_variable] = deepcopy(item)
        child = my_task._add_child(spec, TaskState.WAITING)
        child.triggered = True
        child.internal_data["key_or_index"] = index
        # Hide the names from the parent while the child inherits its data (SpiffWorkflow
        # merges the parent's values over the child's), then put them back.
        hidden = {name: my_task.data.pop(name) for name in self._hidden() if name in my_task.data}
        try:
            child.data = dict(local)
            child.task_spec._update(child)
        finally:
            my_task.data.update(hidden)

    def _remember_base(self, my_task: Any) -> None:
        """Fingerprints of the variables the next instances start from."""
        hidden = self._hidden()
        my_task.internal_data["base"] = {
            k: fingerprint(v) for k, v in my_task.data.items() if k not in hidden}

    # ---- lifecycle -------------------------------------------------------------------------

    def _update_hook(self, my_task: Any) -> bool | None:
        """Start the instances (or complete at once when there are none)."""
        if my_task.has_state(TaskState.STARTED | TaskState.READY) and "count" in my_task.internal_data:
            return my_task.has_state(TaskState.READY)  # running or done: never start over
        BpmnTaskSpec._update_hook(self, my_task)  # type: ignore[arg-type]
        items = self._items(my_task)
        my_task.internal_data.update(merged=[], count=len(items), completed=0)
        if not items:
            return True
        self._start(my_task, items)
        my_task._set_state(TaskState.STARTED)
        return None

    def merge_child(self, workflow: Any, child: Any) -> None:
        """Write the instance's changed variables back, then decide whether the loop is done."""
        my_task = child.parent
        if my_task is None or my_task.task_spec is not self or not my_task.has_state(TaskState.STARTED):
            return
        state = my_task.internal_data
        base, hidden = state.get("base", {}), self._hidden()
        changed = {name: value for name, value in child.data.items()
                   if name not in hidden and base.get(name) != fingerprint(value)}
        my_task.data.update(changed)
        if self.output_collection:
            state.setdefault("outputs", {})[str(child.internal_data.get("key_or_index"))] = deepcopy(
                child.data.get(self.output_item) if self.output_item else None)
        state["merged"].append(str(child.id))
        state["completed"] += 1
        try:
            done = self._condition_holds(my_task, child)
        except SandboxError as exc:
            my_task._set_internal_data(error=f"{_label(my_task)}: completionCondition failed: {exc.message}")
            my_task._set_state(TaskState.ERROR)
            return
        self._after_instance(my_task, done)

    def _condition_holds(self, my_task: Any, child: Any) -> bool:
        if not self.condition:
            return False
        state = my_task.internal_data
        scope = {**my_task.data, **child.data, "nrOfInstances": state["count"],
                 "nrOfCompletedInstances": state["completed"],
                 "nrOfActiveInstances": self._active(my_task)}
        engine = my_task.workflow.script_engine
        return bool(engine.environment.evaluate(self.condition, scope))

    def _active(self, my_task: Any) -> int:
        return sum(1 for c in self._instances(my_task) if not c.has_state(TaskState.FINISHED_MASK))

    def _finish(self, my_task: Any) -> None:
        if self.output_collection:  # instances a completion condition cancelled give None
            outputs = my_task.internal_data.get("outputs", {})
            my_task.data[self.output_collection] = [
                outputs.get(str(i)) for i in range(my_task.internal_data.get("count", 0))]
        for key in ("base", "items", "outputs"):
            my_task.internal_data.pop(key, None)
        my_task._set_state(TaskState.READY)

    def _on_complete_hook(self, my_task: Any) -> None:
        """Mark the finished instances for `prune_finished` (not now: the engine is iterating)."""
        my_task.internal_data.pop("merged", None)
        my_task.internal_data["prune"] = True
        super()._on_complete_hook(my_task)  # type: ignore[misc]

    def children_complete(self, my_task: Any) -> bool:
        """All instances ran (or were cancelled by the completion condition)."""
        return my_task.internal_data.get("completed", 0) >= my_task.internal_data.get("count", 0)


def prune_finished(workflow: Any) -> int:
    """Drop the instances of completed multi-instance activities: state stays flat as loops grow."""
    pruned = 0
    for my_task in list(workflow.tasks.values()):
        spec = my_task.task_spec
        if not isinstance(spec, CamundaMultiInstance) or not my_task.internal_data.pop("prune", False):
            continue
        top = my_task.workflow.top_workflow
        for child in [c for c in my_task.children if c.task_spec.name == spec.task_spec]:
            for task in list(child):
                my_task.workflow.tasks.pop(task.id, None)
                top.subprocesses.pop(task.id, None)
                pruned += 1
            my_task._children.remove(child.id)
    for sub in list(getattr(workflow, "subprocesses", {}).values()):
        pruned += prune_finished(sub) if sub is not workflow else 0
    return pruned


class FlowdeskParallelMultiInstance(CamundaMultiInstance, ParallelMultiInstanceTask):
    """All instances start together."""

    def _start(self, my_task: Any, items: list[Any]) -> None:
        self._remember_base(my_task)
        for index, item in enumerate(items):
            self._create(my_task, index, item, active=len(items))

    def _after_instance(self, my_task: Any, done: bool) -> None:
        if done:
            for child in list(self._instances(my_task)):
                if not child.has_state(TaskState.FINISHED_MASK):
                    child.cancel()
            self._finish(my_task)
        elif self.children_complete(my_task):
            self._finish(my_task)


class FlowdeskSequentialMultiInstance(CamundaMultiInstance, SequentialMultiInstanceTask):
    """One instance after the other, each seeing what the previous ones wrote."""

    def _start(self, my_task: Any, items: list[Any]) -> None:
        if self.collection:
            my_task.internal_data["items"] = items
        self._next(my_task)

    def _next(self, my_task: Any) -> None:
        index = my_task.internal_data["completed"]
        items = my_task.internal_data.get("items")
        self._remember_base(my_task)
        self._create(my_task, index, items[index] if items is not None else index, active=1)

    def _after_instance(self, my_task: Any, done: bool) -> None:
        if done or self.children_complete(my_task):
            self._finish(my_task)
        else:
            self._next(my_task)


class MultiInstanceConverter(BpmnTaskSpecConverter):
    """Serializer converter for both multi-instance specs."""

    def to_dict(self, spec: Any) -> dict[str, Any]:
        """Convert the spec to a dict."""
        dct = self.get_default_attributes(spec)
        dct.update(task_spec=spec.task_spec, cardinality=spec.cardinality, collection=spec.collection,
                   element_variable=spec.element_variable, condition=spec.condition,
                   output_collection=spec.output_collection, output_item=spec.output_item)
        return dct

    def from_dict(self, dct: dict[str, Any]) -> Any:
        """Restore the spec from a dict."""
        return self.task_spec_from_dict(dct)


CONVERTERS = {
    FlowdeskParallelMultiInstance: MultiInstanceConverter,
    FlowdeskSequentialMultiInstance: MultiInstanceConverter,
}


def data_item_name(node: Any) -> str | None:
    """The variable an input/output data item names: its name when that is a variable name,
    else its id (SpiffWorkflow's choice), else None."""
    if node is None:
        return None
    name = (node.get("name") or "").strip()
    return name if name.isidentifier() else (node.get("id") or "").strip() or None


def bpmn_data_refs(loop: Any) -> dict[str, str | None]:
    """BPMN's own collection form: loopDataInputRef / inputDataItem (Camunda's collection and
    elementVariable) and loopDataOutputRef / outputDataItem."""
    def text(tag: str) -> str | None:
        node = loop.find(f"{{{BPMN}}}{tag}")
        return (node.text or "").strip() or None if node is not None else None

    return {"collection": text("loopDataInputRef"), "output": text("loopDataOutputRef"),
            "element": data_item_name(loop.find(f"{{{BPMN}}}inputDataItem")),
            "output_item": data_item_name(loop.find(f"{{{BPMN}}}outputDataItem"))}


class MultiInstanceParserMixin:
    """Parse `bpmn:multiInstanceLoopCharacteristics` the Camunda 7 way (see the module doc)."""

    def _add_multiinstance_task(self, loop_characteristics: Any) -> None:
        prefix = "./bpmn:multiInstanceLoopCharacteristics"
        cardinality = self.xpath(f"{prefix}/bpmn:loopCardinality")  # type: ignore[attr-defined]
        condition = self.xpath(f"{prefix}/bpmn:completionCondition")  # type: ignore[attr-defined]
        data = bpmn_data_refs(loop_characteristics)
        collection = loop_characteristics.get(f"{{{CAMUNDA}}}collection") or data["collection"]
        cardinality_text = (cardinality[0].text or "").strip() if cardinality else None
        if not collection and not cardinality_text:
            self.raise_validation_exception(  # type: ignore[attr-defined]
                "a multi-instance needs camunda:collection or loopCardinality")
        sequential = loop_characteristics.get("isSequential") == "true"
        cls = FlowdeskSequentialMultiInstance if sequential else FlowdeskParallelMultiInstance
        original = self.spec.task_specs.pop(self.task.name)  # type: ignore[attr-defined]
        self.task = cls(  # type: ignore[attr-defined]
            self.spec, original.name, "", cardinality=cardinality_text or None,  # type: ignore[attr-defined]
            collection=collection or None,
            element_variable=loop_characteristics.get(f"{{{CAMUNDA}}}elementVariable") or data["element"],
            output_collection=data["output"], output_item=data["output_item"],
            condition=(condition[0].text or "").strip() or None if condition else None,
            description="Sequential MultiInstance" if sequential else "Parallel MultiInstance")
        self._copy_task_attrs(original, loop_characteristics)  # type: ignore[attr-defined]


ParserTable = dict[str, tuple[type, type]]


def with_multi_instance(classes: ParserTable, tags: set[str]) -> ParserTable:
    """A copy of a parser class table whose activity parsers (by full tag) use our multi-instance."""
    out = dict(classes)
    for tag in tags:
        parser_class, spec_class = out[tag]
        if not issubclass(parser_class, MultiInstanceParserMixin):
            name = f"MultiInstance{parser_class.__name__}"
            out[tag] = (type(name, (MultiInstanceParserMixin, parser_class), {}), spec_class)
    return out
