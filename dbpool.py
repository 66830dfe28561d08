"""PostgreSQL pool: find stale connections on checkout without a round trip per checkout.

`pool_pre_ping` sends `SELECT 1` each time a connection leaves the pool. Here a connection
is pinged only when it may be stale: it sat in the pool longer than `idle_seconds`, or its
socket is readable while idle (the server closed it or sent its last FATAL message before a
shutdown, or a proxy broke it). A failed ping invalidates the pool, as `pool_pre_ping` did,
and the pool connects afresh. A connection that breaks unseen in between fails on its first
statement; SQLAlchemy then invalidates the pool (`is_disconnect`) and the caller meets a
transient error (503 with Retry-After, a retried task), as it would mid-transaction anyway.
"""
from __future__ import annotations

import select
import time

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

_CHECKED_IN = "flowdesk_checked_in"


def install_idle_ping(engine: Engine, idle_seconds: float) -> None:
    """Ping a pooled connection on checkout only when it idled long or its socket says so."""
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_conn, record) -> None:  # noqa: ANN001
        record.info[_CHECKED_IN] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn, record, _proxy) -> None:  # noqa: ANN001
        since = record.info.get(_CHECKED_IN)
        if since is None:  # fresh from connect()
            return
        if time.monotonic() - since <= idle_seconds and not _readable(dbapi_conn):
            return
        try:
            dialect.do_ping(dbapi_conn)
        except Exception as error:
            raise exc.InvalidatePoolError() from error


def _readable(dbapi_conn) -> bool:  # noqa: ANN001
    """An idle connection has nothing to read unless the other side closed or wrote to it."""
    if getattr(dbapi_conn, "closed", False):
        return True
    try:
        fd = dbapi_conn.fileno()
    except Exception:
        return True
    poller = select.poll()  # not select(): a worker may hold more than 1,024 descriptors
    poller.register(fd, select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(0))
