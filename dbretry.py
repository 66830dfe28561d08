"""Which database errors are transient: retry the unit of work later instead of failing it.

A transient error says nothing about the work itself: the database was busy ("database is
locked"), the connection dropped, the server is restarting, or two transactions collided
(serialization failure, deadlock). Running the same unit of work again a little later is
right. Anything else (a constraint violated, bad SQL, a defect) fails the same way every
time and becomes an error or an incident. `backoff` gives the retry delays.
"""
from __future__ import annotations

import random

from sqlalchemy import exc as sa_exc

# SQLSTATE classes and codes (PostgreSQL appendix A) that a later retry may pass.
TRANSIENT_SQLSTATE_CLASSES = ("08",)  # connection exception
TRANSIENT_SQLSTATES = frozenset({
    "40001",  # serialization_failure
    "40P01",  # deadlock_detected
    "55P03",  # lock_not_available
    "53300",  # too_many_connections
    "57014",  # query_canceled (statement timeout)
    "57P01", "57P02", "57P03",  # admin_shutdown, crash_shutdown, cannot_connect_now
})
# SQLite (and driver) messages of a busy or vanished database; lower case.
TRANSIENT_MESSAGES = ("database is locked", "database table is locked", "database is busy",
                      "server closed the connection", "connection refused", "connection reset",
                      "connection timed out", "could not connect", "connection is closed",
                      "the connection is lost", "terminating connection", "ssl connection has been closed")
MAX_CHAIN = 20  # causes followed at most (a cycle in __cause__/__context__ cannot loop forever)


def is_transient(exc: BaseException | None) -> bool:
    """Whether `exc` (or an error it wraps) is a database error that a retry may pass."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen and len(seen) < MAX_CHAIN:
        seen.add(id(exc))
        if _transient_here(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _transient_here(exc: BaseException) -> bool:
    if isinstance(exc, (sa_exc.DisconnectionError, sa_exc.TimeoutError)):
        return True  # the pool could not hand out a live connection in time
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated:
            return True
        if isinstance(exc, sa_exc.IntegrityError | sa_exc.ProgrammingError | sa_exc.DataError):
            return False  # the statement itself is wrong: the same again fails again
        return _driver_transient(exc.orig)
    return _driver_transient(exc) if _is_driver_error(exc) else False


def _is_driver_error(exc: BaseException) -> bool:
    """A DB-API error raised by a driver directly (PEP 249 names its classes alike)."""
    return any(cls.__name__ in ("OperationalError", "DatabaseError", "InterfaceError")
               and cls.__module__.split(".")[0] in ("sqlite3", "psycopg", "psycopg2")
               for cls in type(exc).__mro__)


def _driver_transient(orig: BaseException | None) -> bool:
    if orig is None:
        return False
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if code:
        return code in TRANSIENT_SQLSTATES or code[:2] in TRANSIENT_SQLSTATE_CLASSES
    name = type(orig).__name__
    if name in ("IntegrityError", "ProgrammingError", "DataError", "NotSupportedError"):
        return False
    text = str(orig).lower()
    if any(message in text for message in TRANSIENT_MESSAGES):
        return True
    # psycopg raises OperationalError without a SQLSTATE when it cannot reach the server
    return name == "OperationalError" and type(orig).__module__.startswith("psycopg")


def backoff(retries: int, base: float = 1.0, cap: float = 60.0) -> float:
    """Seconds before retry number `retries + 1`: doubling from `base` up to `cap`, jittered."""
    delay = min(cap, base * (2 ** max(0, retries)))
    return delay * random.uniform(0.5, 1.0)
