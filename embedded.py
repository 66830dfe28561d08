"""The embedded mode: a Celery worker and beat as threads inside the web process."""
from __future__ import annotations

import logging
import threading

from celery import Celery

log = logging.getLogger(__name__)


def start_worker_and_beat(celery: Celery, concurrency: int = 4) -> list[threading.Thread]:
    """Start a threads-pool worker and an embedded beat (notes/embedded-mode.md)."""
    from celery.beat import EmbeddedService
    from kombu.transport import sqlalchemy as kombu_sqla

    # Polling interval must be set on the transport class, not in transport options.
    kombu_sqla.Transport.polling_interval = 0.2
    celery.set_default()
    worker = celery.WorkController(pool_cls="threads", concurrency=concurrency, loglevel="INFO",
                                   without_heartbeat=True, without_mingle=True,
                                   without_gossip=True)
    worker_thread = threading.Thread(target=worker.start, name="celery-worker", daemon=True)
    worker_thread.start()
    beat = EmbeddedService(celery, thread=True)
    beat.start()
    log.info("embedded worker and beat started")
    return [worker_thread, beat]
