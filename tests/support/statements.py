"""The SQL statements a block of code sends (SQLAlchemy cursor events), for statement-count tests."""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from extensions import db


@contextmanager
def statements() -> Iterator[list[str]]:
    """The statements run meanwhile, whitespace folded to single spaces (one per executemany)."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


_INSERT = re.compile(r"(?:^|AS \(|\) )INSERT INTO (\S+)")


def inserts_into(seen: list[str], table: str | None = None) -> list[str]:
    """The tables inserted into, one per INSERT, rows deferred to a later statement's CTEs
    (deferred_rows, PostgreSQL) included; with `table`, that table's only."""
    found = [name for statement in seen for name in _INSERT.findall(statement)]
    return found if table is None else [name for name in found if name == table]


def deferring() -> bool:
    """Whether rows nobody reads back wait for the next statement (PostgreSQL: deferred_rows)."""
    return db.engine.dialect.name == "postgresql"
