"""SpiffWorkflow's per-task INFO lines stay out of the log unless asked for (logs.configure)."""
from __future__ import annotations

import logging

import logs


def test_spiff_task_state_changes_are_not_logged_by_default(monkeypatch):
    monkeypatch.setattr(logs, "_installed", False)
    monkeypatch.delenv("FLOWDESK_SPIFF_LOG_LEVEL", raising=False)
    root, spiff = logging.getLogger(), logging.getLogger("spiff")
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    monkeypatch.setattr(root, "level", root.level)
    monkeypatch.setattr(spiff, "level", spiff.level)
    for name in ("spiff.workflow", "spiff.task"):
        monkeypatch.setattr(logging.getLogger(name), "level", logging.getLogger(name).level)
    logs.configure("INFO")
    assert not logging.getLogger("spiff.task").isEnabledFor(logging.INFO)
    # SpiffWorkflow lists every task in a line's extras while its own logger's level is below INFO
    levels = {logging.getLogger(name).level for name in ("spiff.workflow", "spiff.task")}
    assert levels == {logging.WARNING}
    assert logging.getLogger("engine.runtime").isEnabledFor(logging.INFO)
    monkeypatch.setattr(logs, "_installed", False)
    monkeypatch.setenv("FLOWDESK_SPIFF_LOG_LEVEL", "info")
    logs.configure("INFO")
    assert logging.getLogger("spiff.task").isEnabledFor(logging.INFO)
