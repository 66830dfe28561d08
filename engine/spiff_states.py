"""The runtime's view of engine.spiff for specs and states: a version's parsed spec, a new
instance's state, loading and dumping an instance's workflow.

A message start (the relay's `lead.created`) is stored as a pending start
(engine.spiff.starting): the workflow is built by its first load, in the step, instead of
being built and serialized here only to be restored there. The first start of each version
and message is built here in full, so that a message the process does not start on is refused
when the instance is created, as before; later ones reuse that check.
engine.spiff is imported lazily so that the web app starts before a worker touches a diagram.
"""
from __future__ import annotations

from typing import Any


class NotStartable(Exception):
    """The diagram has no start event that runs without a message."""


_SPECS: dict[tuple[int, str], tuple[Any, dict]] = {}
_STARTS: set[tuple[int, str, str]] = set()  # (version id, its diagram's hash, message) built once


def version_spec(version: Any) -> tuple[Any, dict]:
    """(spec, subprocess specs) of a version, parsed once per process (versions never change)."""
    key = (version.id, version.bpmn_sha256)
    found = _SPECS.get(key)
    if found is None:
        from engine.spiff import runner

        if len(_SPECS) > 256:
            _SPECS.clear()
            _STARTS.clear()
        found = _SPECS[key] = runner.deserialize_spec(version.spec_blob)
    return found


def forget_specs() -> None:
    """Drop the parsed specs and the starts checked on them (tests simulating a restart)."""
    _SPECS.clear()
    _STARTS.clear()


def new_state(version: Any, data: dict, start_message: str | None, start_kind: str = "message") -> str:
    """A new workflow of `version` with `data` seeded and its start message (signal, timer) sent."""
    from engine.spiff import runner, starting

    event = data.get("event")
    variables = {k: v for k, v in data.items() if k != "event"}
    checked = (version.id, version.bpmn_sha256, start_message)
    if start_kind == "message" and start_message is not None and checked in _STARTS:
        return starting.pending_state(variables, start_message, event)
    spec, subprocess_specs = version_spec(version)
    if start_kind != "message":
        from engine.spiff import event_starts

        wf = runner.new_workflow(spec, subprocess_specs, variables, None, event)
        try:
            event_starts.fire_start_event(wf, start_kind, start_message, variables)
        except event_starts.StartFailed as exc:
            raise NotStartable(str(exc)) from None
        return runner.serialize_state(wf)
    wf = runner.new_workflow(spec, subprocess_specs, variables, start_message, event)
    if start_message is None:
        from engine.spiff import progress

        if not progress.seed_ready_tasks(wf, event):
            raise NotStartable("the process starts only on a message")
    else:
        _STARTS.add(checked)  # the version starts on this message: later starts may be pending
    return runner.serialize_state(wf)


def load(instance: Any) -> Any:
    """The instance's workflow: its state on its version's (cached) spec, script engine attached;
    a pending start is built here."""
    from engine.spiff import serializer, starting
    from engine.spiff.script_engine import FlowdeskScriptEngine

    spec, subprocess_specs = version_spec(instance.version)
    if starting.is_pending(instance.state):
        return starting.build_pending(instance.state, spec, subprocess_specs)
    wf = serializer.deserialize_state(instance.state, spec, subprocess_specs)
    wf.script_engine = FlowdeskScriptEngine()
    return wf


def dump(wf: Any) -> str:
    """The workflow's state without its spec."""
    from engine.spiff import runner

    return runner.serialize_state(wf)
