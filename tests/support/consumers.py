"""A test-only outbox consumer, loaded in worker processes via FLOWDESK_EXTRA_MODULES.

- every attempt is appended to the file named by FLOWDESK_TEST_ATTEMPTS (at-least-once shows here);
- every committed delivery adds a row to `test_consumer_log`, in the relay's transaction
  (so "exactly once per consumer" shows there);
- with FLOWDESK_TEST_CONSUMER_HANG=1 the consumer hangs after logging its attempt, so a test
  can kill the worker in the middle of a relay;
- with FLOWDESK_TEST_CONSUMER_DELAY=<seconds> it takes that long, holding the relay's
  transaction open after the consumers before it (a slow consumer, a busy machine);
- every finished Celery task is appended to FLOWDESK_TEST_TASKS as "task_id name retval".
"""
from __future__ import annotations

import os
import time

from celery.signals import task_postrun

from tests.support.outbox_probe import CONSUMER, consumer_log


def _append(env_name: str, line: str) -> None:
    path = os.environ.get(env_name)
    if path:
        with open(path, "a") as fh:
            fh.write(line + "\n")


def record(event) -> None:
    """The consumer: note the attempt, maybe hang, then write one row."""
    from extensions import db

    _append("FLOWDESK_TEST_ATTEMPTS", f"{event.id} {event.type} {os.getpid()}")
    if os.environ.get("FLOWDESK_TEST_CONSUMER_HANG") == "1":
        time.sleep(600)  # the test kills this worker meanwhile
    time.sleep(float(os.environ.get("FLOWDESK_TEST_CONSUMER_DELAY", "0")))
    db.session.execute(consumer_log.insert().values(event_id=event.id, event_type=event.type,
                                                    pid=os.getpid()))


@task_postrun.connect(weak=False)
def _task_done(task_id: str | None = None, task=None, retval=None, **_kw: object) -> None:
    _append("FLOWDESK_TEST_TASKS", f"{task_id} {getattr(task, 'name', '?')} {retval!r}")


def _register() -> None:
    from crm.events import register_consumer

    register_consumer(CONSUMER, record)


_register()
