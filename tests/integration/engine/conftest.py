"""Fixtures of the engine's integration tests."""
from __future__ import annotations

import pytest


@pytest.fixture
def steps_in_a_worker(app, monkeypatch):
    """A started instance's first step runs in a worker, after the relay's commit, also on
    PostgreSQL (where the relay runs it by default: test_first_step_in_relay.py)."""
    monkeypatch.setitem(app.config, "ENGINE_FIRST_STEP_IN_RELAY", False)
