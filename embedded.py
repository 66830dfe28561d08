"""The embedded mode: a Celery worker and beat as threads inside the web process."""
from __future__ import annotations

import logging
import threading
import time

from celery import Celery, shared_task
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine

from crm.events import RELAY_TASK
from ops import heartbeat
from transactions import coalesce_kicks

log = logging.getLogger(__name__)

SQLA_PREFIX = "sqla+"
# The worker polls the SQLite broker this often when idle; a task published by this process
# (a request's after-commit kick, beat) wakes it at once (docs/facts/embedded-mode.md).
POLL_SECONDS = 2.0
_wake = threading.Event()
_engines: dict[str, Engine] = {}


class EmbeddedCelery:
    """A threads-pool worker and an embedded beat, started and stopped together."""

    def __init__(self, celery: Celery, concurrency: int = 4) -> None:
        self.celery = celery
        self.concurrency = concurrency
        self.worker = None
        self.worker_thread: threading.Thread | None = None
        self.beat = None

    def start(self) -> None:
        """Start worker and beat threads (docs/facts/embedded-mode.md, gotchas 1, 3, 5)."""
        from celery.beat import EmbeddedService
        from kombu.transport import sqlalchemy as kombu_sqla

        from engine.spiff.stepping import clear_stop

        # Never in broker_transport_options: kombu hands those to create_engine().
        kombu_sqla.Transport.polling_interval = POLL_SECONDS
        install_wake_on_publish()
        # Beat sleeps in plain time.sleep(); a short loop keeps Ctrl-C quick.
        self.celery.conf.beat_max_loop_interval = 1
        self.celery.set_default()
        clear_stop()
        purge_consumed_messages(self.celery.conf.broker_url)
        self.worker = self.celery.WorkController(
            pool_cls="threads", concurrency=self.concurrency, loglevel="INFO",
            without_heartbeat=True, without_mingle=True, without_gossip=True)
        self.worker_thread = threading.Thread(target=self.worker.start, name="celery-worker",
                                              daemon=True)
        self.worker_thread.start()
        self.beat = EmbeddedService(self.celery, thread=True)
        self.beat.start()
        coalesce_kicks(frozenset({RELAY_TASK}))  # this worker runs every relay this process kicks
        heartbeat.start(self.celery.flask_app, "worker")
        heartbeat.start(self.celery.flask_app, "beat")
        log.info("embedded worker and beat started")

    def stop(self, timeout: float = 5.0) -> None:
        """Warm shutdown: fetched tasks go back to the broker, beat saves its schedule; a
        running engine step stops at its next task boundary and commits (it continues later)."""
        from engine.spiff.stepping import clear_stop, request_stop

        request_stop()
        coalesce_kicks(frozenset())
        heartbeat.stop()
        deadline = time.monotonic() + timeout
        if self.beat is not None:
            self.beat.service.stop(wait=False)
        if self.worker is not None:
            self.worker.stop(in_sighandler=False)
        try:
            for thread in (self.worker_thread, self.beat):
                if thread is not None:
                    thread.join(max(0.1, deadline - time.monotonic()))
        finally:
            clear_stop()  # the process may go on (tests): later steps run their full budget
        log.info("embedded worker and beat stopped")


def _sleep_until_woken(seconds: float) -> None:
    """kombu's idle sleep between broker polls, cut short when this process publishes."""
    _wake.wait(seconds)
    _wake.clear()


def install_wake_on_publish() -> None:
    """Idle polls every POLL_SECONDS instead of 5 per second (issue: idle CPU), without the
    latency: kombu's virtual transports sleep through `kombu.transport.virtual.base.sleep`
    (the only user of that name there), and every task this process publishes wakes it."""
    from celery.signals import after_task_publish
    from kombu.transport.virtual import base

    base.sleep = _sleep_until_woken
    after_task_publish.connect(lambda **_: _wake.set(), weak=False, dispatch_uid="flowdesk-embedded-wake")


def _broker_engine(url: str) -> Engine:
    if url not in _engines:
        _engines[url] = create_engine(url, connect_args={"timeout": 30})
    return _engines[url]


def purge_consumed_messages(broker_url: str | None) -> int:
    """Delete the rows kombu's SQLAlchemy transport keeps after delivery (visible=0)."""
    if not broker_url or not broker_url.startswith(SQLA_PREFIX):
        return 0
    engine = _broker_engine(broker_url[len(SQLA_PREFIX):])
    if not inspect(engine).has_table("kombu_message"):
        return 0
    with engine.begin() as conn:
        count = conn.execute(text("DELETE FROM kombu_message WHERE visible = :no"), {"no": False}).rowcount
    if count:  # every minute, always some (beat's own jobs): routine, not news
        log.debug("purged %d consumed broker messages", count)
    return count


@shared_task(name="flowdesk.purge_broker", ignore_result=True)
def purge_broker() -> int:
    """Beat task: keep the embedded broker's message table small."""
    from celery import current_app

    return purge_consumed_messages(current_app.conf.broker_url)
