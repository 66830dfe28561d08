"""Reading the bench database directly (no HTTP in the measured path): SQLite or PostgreSQL."""
from __future__ import annotations

import sqlite3


class Probe:
    """Short read-only queries with autocommit, so each sees the latest commits."""

    def __init__(self, url: str) -> None:
        if url.startswith("sqlite"):
            self.conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None, timeout=30)
            self.mark = "?"
        else:
            import psycopg

            plain = url.replace("postgresql+psycopg://", "postgresql://")
            self.conn = psycopg.connect(plain, autocommit=True)
            self.mark = "%s"

    def _one(self, sql: str, *args: object) -> tuple | None:
        return self.conn.execute(sql.replace("?", self.mark), args).fetchone()

    def waiting(self, lead_id: int) -> tuple[int, int] | None:
        """(instance id, open human task id) once the lead's instance waits at its user task."""
        return self._one("SELECT i.id, t.id FROM process_instance i "
                         "JOIN human_task t ON t.instance_id = i.id "
                         "WHERE i.entity = 'lead' AND i.entity_id = ? AND i.status = 'waiting'", lead_id)

    def completed(self, instance_id: int) -> bool:
        row = self._one("SELECT status FROM process_instance WHERE id = ?", instance_id)
        return bool(row and row[0] == "completed")

    def count(self, status: str, after: int = 0) -> int:
        sql = "SELECT count(*) FROM process_instance WHERE status = ? AND id > ?"
        return self._one(sql, status, after)[0]

    def max_instance_id(self) -> int:
        return self._one("SELECT coalesce(max(id), 0) FROM process_instance")[0]

    def span(self, after: int) -> float:
        """Seconds from the first instance created (after `after`) to the last one updated."""
        sql = "SELECT min(created_at), max(updated_at) FROM process_instance WHERE id > ?"
        first, last = self._one(sql, after)
        if isinstance(first, str):
            from datetime import datetime

            first, last = datetime.fromisoformat(first), datetime.fromisoformat(last)
        return max((last - first).total_seconds(), 1e-6)

    def state_bytes(self) -> float:
        sql = "SELECT avg(length(state)) FROM process_instance WHERE status = 'waiting'"
        return float(self._one(sql)[0] or 0)

    def close(self) -> None:
        self.conn.close()
