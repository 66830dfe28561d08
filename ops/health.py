"""Liveness and readiness: each part's state, for /readyz, the system page and `flask status`."""
from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, text

import config
from extensions import db
from ops.models import ServiceHeartbeat
from org.models import utcnow

MIN_FREE_DISK_MB = 500


def check_database() -> dict:
    """The database answers a trivial query."""
    started = time.perf_counter()
    db.session.execute(text("SELECT 1"))
    return {"ok": True, "dialect": db.engine.dialect.name,
            "ms": round((time.perf_counter() - started) * 1000, 1)}


def check_broker() -> dict:
    """The Celery broker accepts a connection (Redis, or the embedded SQLite broker)."""
    celery = current_app.extensions["celery"]
    with celery.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=2)
    url = celery.conf.broker_url
    return {"ok": True, "transport": url.split("://", 1)[0]}


def heartbeat_age(kind: str) -> float | None:
    """Seconds since the freshest heartbeat of `kind` (None: never seen)."""
    seen = db.session.scalar(select(func.max(ServiceHeartbeat.seen_at)).where(ServiceHeartbeat.kind == kind))
    return None if seen is None else (utcnow() - seen).total_seconds()


def check_heartbeat(kind: str) -> dict:
    """A `kind` process (worker, beat) wrote a heartbeat within the allowed age."""
    limit = float(current_app.config.get("READY_HEARTBEAT_SECONDS", 60))
    age = heartbeat_age(kind)
    alive = db.session.scalar(select(func.count()).select_from(ServiceHeartbeat).where(
        ServiceHeartbeat.kind == kind, ServiceHeartbeat.seen_at >= utcnow() - timedelta(seconds=limit)))
    result = {"ok": age is not None and age <= limit, "age_seconds": None if age is None else round(age, 1),
              "alive": alive}
    if not result["ok"]:
        result["error"] = f"no {kind} heartbeat in the last {limit:.0f} s" + (
            "" if age is not None else f" (no {kind} has ever started)")
    return result


def check_disk() -> dict:
    """Free space where the instance keeps its files (the drive, the SQLite database)."""
    usage = shutil.disk_usage(config.INSTANCE_DIR if config.INSTANCE_DIR.exists() else config.BASE_DIR)
    free_mb = usage.free // (1024 * 1024)
    minimum = int(current_app.config.get("MIN_FREE_DISK_MB", MIN_FREE_DISK_MB))
    result = {"ok": free_mb >= minimum, "free_mb": free_mb, "total_mb": usage.total // (1024 * 1024)}
    if not result["ok"]:
        result["error"] = f"only {free_mb} MB free, below {minimum} MB"
    return result


CHECKS: dict[str, Callable[[], dict]] = {
    "database": check_database,
    "broker": check_broker,
    "worker": lambda: check_heartbeat("worker"),
    "beat": lambda: check_heartbeat("beat"),
    "disk": check_disk,
}


def readiness() -> dict:
    """Every check's result (a failing check says why); `ready` only when all are ok."""
    parts: dict[str, dict] = {}
    for name, check in CHECKS.items():
        try:
            parts[name] = check()
        except Exception as exc:  # a part that is down answers with why, never a 500
            db.session.rollback()
            parts[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    return {"ready": all(part["ok"] for part in parts.values()), "version": config.VERSION,
            "checks": parts}
