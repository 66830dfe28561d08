"""What every benchmark shares: a throw-away database, an app on it, percentiles."""
from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable

from flask import Flask

PG_ADMIN = os.environ.get("FLOWDESK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def make_database(kind: str) -> tuple[str, Callable[[], None]]:
    """A new SQLite file or PostgreSQL database, and how to drop it again."""
    if kind == "sqlite":
        folder = tempfile.mkdtemp(prefix="flowdesk-bench-db-")
        return f"sqlite:///{folder}/bench.sqlite", lambda: shutil.rmtree(folder, ignore_errors=True)
    import psycopg

    name = f"flowdesk_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    return f"{base}/{name}", drop


def bench_app(url: str) -> Flask:
    """An app on `url` with no worker and no kicks, migrated as on first start."""
    from app import create_app
    from config import sqlite_engine_options
    from runner import prepare_database

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "OUTBOX_KICK": "none", "EMBEDDED_WORKER": False,
                      "DEMO_DATA": False, "SQLALCHEMY_ENGINE_OPTIONS": sqlite_engine_options(url)})
    prepare_database(app)
    return app


def pct(values: list[float], q: float) -> float:
    """The q-quantile of `values` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def p95(values: list[float]) -> float:
    return pct(values, 0.95)
