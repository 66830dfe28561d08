"""One log line per job; the periodic jobs beat sends say nothing at INFO when they succeed."""
from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

import logs


@pytest.fixture
def job_lines(caplog):
    caplog.set_level(logging.DEBUG, logger="flowdesk.job")
    return lambda: [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "flowdesk.job"]


def _finish(name: str, state: str, **request: object) -> None:
    task = SimpleNamespace(name=name, request=SimpleNamespace(**{"headers": None, **request}))
    logs._job_started(task_id="t1", task=task)
    logs._job_finished(task_id="t1", task=task, state=state)


def test_a_periodic_jobs_success_is_debug_its_failure_info(job_lines):
    _finish("engine.fire_due_timers", "SUCCESS", celery_beat_task=True)
    _finish("engine.fire_due_timers", "FAILURE", celery_beat_task=True)
    levels = [level for level, _line in job_lines()]
    assert levels == [logging.DEBUG, logging.INFO]
    assert all(line.startswith("job engine.fire_due_timers t1 ") for _level, line in job_lines())


def test_a_job_beat_did_not_send_is_info(job_lines):
    _finish("crm.relay_outbox", "SUCCESS")  # a commit's kick
    _finish("crm.relay_outbox", "SUCCESS", headers={"celery_beat_task": True})  # protocol 1's headers
    assert [level for level, _line in job_lines()] == [logging.INFO, logging.DEBUG]


def test_beats_own_sending_lines_are_quiet_unless_debug(monkeypatch):
    root, beat = logging.getLogger(), logging.getLogger("celery.beat")
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    monkeypatch.setattr(root, "level", root.level)
    monkeypatch.setattr(beat, "filters", [])

    def shown(msg: str) -> bool:
        return beat.filter(logging.LogRecord("celery.beat", logging.INFO, __file__, 1, msg, (), None))

    for level, sending_shown in (("INFO", False), ("DEBUG", True)):
        monkeypatch.setattr(logs, "_installed", False)
        beat.filters.clear()
        logs.configure(level)
        assert bool(shown("Scheduler: Sending due task %s (%s)")) is sending_shown
        assert shown("beat: Starting...")  # the start line, which operators and tests wait for
