"""The rights epoch: one counter that changes whenever anything a user's access rights are read
from changes, so rights loaded under one value can be reused until it moves.

Database triggers (migration 0029_rights_epoch) bump it on every INSERT, UPDATE and DELETE (and
TRUNCATE, PostgreSQL) of RIGHTS_TABLES, in the writing transaction: bulk statements, raw SQL,
imports and other processes are covered, and the new value becomes visible with the change
itself, never before it. The login's query of each request reads it along (`epoch_column`);
crm.rights.cache keys the rights it keeps by it.
"""
from __future__ import annotations

from flask import g, has_request_context, request
from sqlalchemy import BigInteger, ScalarSelect, select
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db

# The tables crm.rights.matrix.load_rights reads (tests/integration/test_rights_epoch.py checks
# this list against the statement itself, and that each table has its trigger).
RIGHTS_TABLES = ("department", "department_member", "workgroup", "workgroup_member",
                 "role", "role_assignment", "role_permission")
ROW_ID = 1


class RightsEpoch(db.Model):
    """The one row holding the epoch (id 1); only the triggers write it."""

    __tablename__ = "rights_epoch"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(BigInteger)


def epoch_column() -> ScalarSelect:
    """The epoch as a column, so a login's query reads it along (see note_epoch)."""
    return select(RightsEpoch.value).where(RightsEpoch.id == ROW_ID).scalar_subquery()


# (request, epoch) as the login read it; like the security setting, never kept across requests.
_SEEN = "_rights_epoch"


def note_epoch(value: int | None) -> None:
    """Keep the epoch read with the login for the rest of this request."""
    if has_request_context():
        setattr(g, _SEEN, (request._get_current_object(), value))


def request_epoch() -> int | None:
    """The epoch this request's login read, or None (no login query read it, or outside a request)."""
    seen = g.get(_SEEN) if has_request_context() else None
    if seen is None or seen[0] is not request._get_current_object():
        return None
    return seen[1]
