"""Relay kicks coalesced across processes: a Redis key says that a kick is queued and not started.

Every commit that records an outbox event kicks the relay (`crm.relay_outbox`) through the broker.
With a backlog, most of those kicks find their event relayed already by the batch an earlier kick
started: with gunicorn and Celery on Redis, one relay task ran per created lead and about nine in
ten of them claimed nothing (issue 19), each a publish in the web process, a delivered task with
its acknowledgement in the worker and a query. `python app.py` coalesces its kicks in its own
process (transactions.coalesce_kicks); this latch does it between processes, on the broker's Redis:

* a process about to send such a kick sets `<broker key prefix>flowdesk:kick:<task>` if it is not
  set (SET NX, expiring after KICK_LATCH_MS). Was it set, a kick is queued and has not started; that
  task reads everything committed when it starts, which includes what this kick was for (committed
  before the key was tried, while the task clears the key before it reads): nothing is sent;
* a worker clears the key when such a task starts (`task_prerun`), before the task reads anything;
* a failed send clears it again. A sender that died between setting and sending, or a queued kick
  that waits longer than the expiry, only lets the next kick through sooner; the periodic sweep
  relays whatever no kick reached in any case.

Redis unreachable for the latch: the kick is sent as without it. KICK_LATCH_MS = 0 turns it off.
"""
from __future__ import annotations

import logging
import threading
from typing import Any

from flask import current_app

log = logging.getLogger(__name__)
# Argument-less tasks that read all committed work when they start: one queued covers any number.
LATCHED = frozenset({"crm.relay_outbox"})
KEY = "flowdesk:kick:"
_clients: dict[str, Any] = {}  # broker URL -> redis.Redis (its pool is safe across fork)
_clients_lock = threading.Lock()


def claim(name: str, args: tuple = ()) -> bool:
    """Whether to send this kick: True when the latch was free (it is now set) or does not apply;
    False when a queued kick of the same task covers it."""
    if args or name not in LATCHED:
        return True
    latch = _latch(current_app.extensions.get("celery"), current_app.config.get("KICK_LATCH_MS", 0))
    if latch is None:
        return True
    client, key, expiry_ms = latch
    try:
        return bool(client.set(key + name, b"1", nx=True, px=expiry_ms))
    except Exception:  # redis' errors: the kick goes out as it would without the latch
        log.warning("the kick latch of %s could not be read; kicking anyway", name, exc_info=True)
        return True


def release(name: str, celery_app: Any = None) -> None:
    """Clear the latch of task `name` (it starts, or its kick could not be sent)."""
    if name not in LATCHED:
        return
    if celery_app is None:
        celery_app = current_app.extensions.get("celery")
    flask_app = getattr(celery_app, "flask_app", None)
    expiry = flask_app.config.get("KICK_LATCH_MS", 0) if flask_app is not None else 0
    latch = _latch(celery_app, expiry)
    if latch is None:
        return
    client, key, _ = latch
    try:
        client.delete(key + name)
    except Exception:  # the key expires on its own
        log.warning("the kick latch of %s could not be cleared", name, exc_info=True)


def install_worker_signal() -> None:
    """In a worker: clear a latched task's key as the task starts, before it reads."""
    from celery.signals import task_prerun

    task_prerun.connect(_task_starts, weak=False, dispatch_uid="flowdesk-kick-latch")


def _task_starts(task: Any = None, **_kwargs: object) -> None:
    name = getattr(task, "name", None)
    if name in LATCHED:
        release(name, getattr(task, "app", None))


def _latch(celery_app: Any, expiry_ms: float) -> tuple[Any, str, int] | None:
    """(client, key prefix, expiry) for the broker `celery_app` publishes to now, if it is Redis."""
    if celery_app is None or not expiry_ms or expiry_ms <= 0:
        return None
    url = celery_app.conf.broker_url or ""
    if not url.startswith(("redis://", "rediss://")):
        return None
    options = celery_app.conf.broker_transport_options or {}
    return _client(url), options.get("global_keyprefix", "") + KEY, int(expiry_ms)


def _client(url: str) -> Any:
    client = _clients.get(url)
    if client is None:
        import redis

        with _clients_lock:
            client = _clients.get(url)
            if client is None:  # short timeouts: a kick must not hold the request that committed
                client = _clients[url] = redis.Redis.from_url(
                    url, socket_timeout=2, socket_connect_timeout=2)
    return client
