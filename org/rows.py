"""Get-or-create that stays correct when several workers create the same row at once."""
from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from extensions import db

T = TypeVar("T")


def get_or_create(model: type[T], *, defaults: dict[str, Any] | None = None, session: Session | None = None,
                  **lookup: Any) -> tuple[T, bool]:
    """(row, created): the row matching `lookup` (a unique key), inserted with `defaults` if missing.

    The insert runs in a savepoint: when another transaction inserted the same key first, the
    unique constraint refuses ours, only the savepoint is rolled back, and the other's row is
    read instead -- the caller's transaction carries on unharmed."""
    session = session or db.session
    row = session.scalar(select(model).filter_by(**lookup))
    if row is not None:
        return row, False
    try:
        with session.begin_nested():
            row = model(**lookup, **(defaults or {}))
            session.add(row)
    except IntegrityError:
        row = session.scalar(select(model).filter_by(**lookup).execution_options(populate_existing=True))
        if row is None:  # the constraint that refused us was another one: a real error
            raise
        return row, False
    return row, True
