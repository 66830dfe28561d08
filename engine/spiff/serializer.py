"""Serialization: the spec once per process version, the instance state without the spec.

SpiffWorkflow's BpmnWorkflowConverter writes `spec` and `subprocess_specs` into every
workflow dict (gotcha 4). We register, in a *copy* of the Camunda serializer config, a
converter for BpmnWorkflow that leaves those two keys out and takes the spec objects as
arguments when restoring. The spec blob is the same registry's dicts for the spec and the
subprocess specs. The serializer's default version string is kept (gotcha 6).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.serializer.migration.version_migration import MIGRATIONS
from SpiffWorkflow.bpmn.serializer.workflow import VERSION
from SpiffWorkflow.bpmn.specs.defaults import StandardLoopTask
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import ErrorEventDefinition
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.camunda.specs.event_definitions import (
    MessageEventDefinition as CamundaMessageEventDefinition,
)

from engine.spiff.calls import ChildCallActivity, ChildCallActivityConverter
from engine.spiff.decision_task import DecisionTask, DecisionTaskConverter
from engine.spiff.event_definitions import FlowdeskErrorEventDefinition, ThrownMessageEventDefinition
from engine.spiff.hooked import register_converters
from engine.spiff.loops import FlowdeskStandardLoopTask
from engine.spiff.multi_instance import CONVERTERS as MULTI_INSTANCE_CONVERTERS
from engine.spiff.specs import ExternalServiceTask, ExternalServiceTaskConverter

VERSION_KEY = BpmnWorkflowSerializer.VERSION_KEY


class SerializationError(ValueError):
    """A stored spec or state cannot be read by this engine version."""


class StateOnlyWorkflowConverter(BpmnWorkflowConverter):
    """BpmnWorkflow converter that neither writes nor reads the spec."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        """Convert the workflow's own state (tasks, data, subprocesses, events) to a dict."""
        dct = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any], spec: Any = None, subprocess_specs: Any = None) -> BpmnWorkflow:
        """Rebuild a workflow from its state and already restored spec objects."""
        if spec is None:
            raise SerializationError("restoring an instance needs its process version's spec")
        workflow = self.target_class(spec, dict(subprocess_specs or {}), deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_local = threading.local()
SPEC_CACHE_SIZE = 32


def _build(with_spec: bool) -> BpmnWorkflowSerializer:
    """A serializer on a copy of the Camunda config plus our task spec converter."""
    config = dict(CAMUNDA_CONFIG)
    config[ExternalServiceTask] = ExternalServiceTaskConverter
    config[DecisionTask] = DecisionTaskConverter
    config.update(MULTI_INSTANCE_CONVERTERS)
    config[ChildCallActivity] = ChildCallActivityConverter
    config[FlowdeskStandardLoopTask] = config[StandardLoopTask]
    register_converters(config)  # last: hooked classes reuse their base's converter
    config[FlowdeskErrorEventDefinition] = config[ErrorEventDefinition]
    config[ThrownMessageEventDefinition] = config[CamundaMessageEventDefinition]
    if not with_spec:
        config[BpmnWorkflow] = StateOnlyWorkflowConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


def _per_thread(name: str, factory: Any) -> Any:
    """One object per thread: SpiffWorkflow's registry keeps a mode flag while it serializes."""
    value = getattr(_local, name, None)
    if value is None:
        value = factory()
        setattr(_local, name, value)
    return value


def serializer() -> BpmnWorkflowSerializer:
    """The state serializer (spec left out), one per thread."""
    return _per_thread("state", lambda: _build(with_spec=False))


def full_serializer() -> BpmnWorkflowSerializer:
    """A stock serializer that embeds the spec (exports, size comparisons), one per thread."""
    return _per_thread("full", lambda: _build(with_spec=True))


def _check_version(dct: dict[str, Any]) -> None:
    """Refuse serializations written by another serializer version."""
    version = dct.pop(VERSION_KEY, None)
    if version != VERSION:
        hint = " (a migration exists in SpiffWorkflow)" if version in MIGRATIONS else ""
        raise SerializationError(f"serializer version {version!r} is not {VERSION!r}{hint}")


def serialize_spec(spec: Any, subprocess_specs: dict[str, Any]) -> str:
    """Serialize a process spec and its subprocess specs to JSON (stored once per version)."""
    registry = serializer().registry
    dct = {
        "spec": registry.convert(spec),
        "subprocess_specs": {name: registry.convert(sub) for name, sub in subprocess_specs.items()},
        VERSION_KEY: VERSION,
    }
    return json.dumps(dct, separators=(",", ":"))


def deserialize_spec(blob: str) -> tuple[Any, dict[str, Any]]:
    """Restore `(spec, subprocess_specs)` from `serialize_spec`'s JSON."""
    dct = json.loads(blob)
    _check_version(dct)
    registry = serializer().registry
    spec = registry.restore(dct["spec"])
    subprocess_specs = {name: registry.restore(sub) for name, sub in dct["subprocess_specs"].items()}
    return spec, subprocess_specs


_generation = [0]


def _spec_cache() -> OrderedDict[str, tuple[Any, dict[str, Any]]]:
    """This thread's spec cache, emptied when `cached_spec.cache_clear()` was called since."""
    cache: OrderedDict[str, tuple[Any, dict[str, Any]]] = _per_thread("specs", OrderedDict)
    if getattr(_local, "generation", None) != _generation[0]:
        cache.clear()
        _local.generation = _generation[0]
    return cache


def cached_spec(blob: str) -> tuple[Any, dict[str, Any]]:
    """`deserialize_spec`, cached by blob per thread (specs are shared by that thread's instances)."""
    cache = _spec_cache()
    if blob in cache:
        cache.move_to_end(blob)
        return cache[blob]
    cache[blob] = deserialize_spec(blob)
    while len(cache) > SPEC_CACHE_SIZE:
        cache.popitem(last=False)
    return cache[blob]


def _clear_spec_caches() -> None:
    """Forget every thread's cached specs (as `functools.lru_cache` would)."""
    _generation[0] += 1


cached_spec.cache_clear = _clear_spec_caches  # type: ignore[attr-defined]


def serialize_state(workflow: BpmnWorkflow) -> str:
    """Serialize an instance's state without its spec."""
    return serializer().serialize_json(workflow)


def deserialize_state(state: str, spec: Any, subprocess_specs: dict[str, Any]) -> BpmnWorkflow:
    """Restore an instance from its state and its version's spec objects."""
    dct = json.loads(state)
    _check_version(dct)
    return serializer().from_dict(dct, spec=spec, subprocess_specs=subprocess_specs)
