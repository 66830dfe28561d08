"""Users' rights kept across requests, for as long as the rights epoch stays (org.rights_epoch).

A request's login reads the epoch with the user (one column of a query it runs anyway); the
rights are kept per (database, user, admin mode, epoch). Any change to a table the rights are
read from, committed by any process, moves the epoch, so the next request reads another value
and loads afresh: nothing is ever stale. Rights are kept only when the epoch their own
statement read is the login's: not when another process committed a change in between, nor
when this transaction wrote a rights table itself (its bump shows to itself), even by raw SQL
and even if it rolls back later, so nothing uncommitted is ever kept.

The cache is not used where no epoch was read (outside a request, a Celery worker, a request
that did not log in through those queries), nor for the rest of a request that changed rights
itself (its triggers' bump is not visible before its commit): `bypass` (crm.access.forget),
a flush writing a rights table, or such a change still waiting for its flush.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from itertools import chain

from flask import g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from crm.rights.matrix import Rights
from extensions import db
from org.admin import acts_as_admin
from org.rights_epoch import RIGHTS_TABLES, request_epoch

# Bounded: a full cache is dropped whole (entries of past epochs go with it).
MAX_ENTRIES = 2048
_kept: dict[tuple, Rights] = {}
# A role's cells (about 13 KB) are the same for every user under one epoch: one copy per role.
_cells: dict[tuple, dict] = {}
# Set on g to the request once it changed rights: the rest of it loads from its own transaction.
_CHANGED = "_rights_changed"


def shared_rights(actor: object, load: Callable[[object], Rights]) -> Rights:
    """The actor's rights under this request's epoch: kept ones, else `load`ed (and kept)."""
    epoch = _usable_epoch()
    if epoch is None:
        return load(actor)
    key = (db.engine, actor.id, acts_as_admin(actor), epoch)
    rights = _kept.get(key)
    if rights is None:
        rights = load(actor)
        if rights.epoch != epoch:  # moved since the login (maybe by this transaction): no keeping
            bypass()
            return rights
        if len(_kept) >= MAX_ENTRIES or len(_cells) >= MAX_ENTRIES:  # few users, many epochs: cells
            clear()
        rights = _kept[key] = _one_copy_of_cells(rights, key)
    return rights


def _one_copy_of_cells(rights: Rights, key: tuple) -> Rights:
    """A role's cells depend on its permission rows only: equal for all users under one epoch."""
    engine, _, _, epoch = key
    grants = tuple(replace(grant, cells=_cells.setdefault((engine, grant.role_id, epoch), grant.cells))
                   for grant in rights.grants)
    return replace(rights, grants=grants)


def bypass() -> None:
    """This request changed rights: load them from its transaction from now on, and keep none."""
    if has_request_context():
        setattr(g, _CHANGED, request._get_current_object())


def clear() -> None:
    """Drop every kept entry (when full, and for tests: a new epoch is a miss anyway)."""
    _kept.clear()
    _cells.clear()


def _usable_epoch() -> int | None:
    epoch = request_epoch()
    if epoch is None or g.get(_CHANGED) is request._get_current_object():
        return None
    if _touches_rights(db.session()):  # e.g. a membership added but not flushed yet
        bypass()
        return None
    return epoch


def _touches_rights(session: Session) -> bool:
    return any(getattr(type(obj), "__tablename__", None) in RIGHTS_TABLES
               for obj in chain(session.new, session.dirty, session.deleted))


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context: object) -> None:
    """A flush that wrote a rights table (the pending lists still hold what it wrote)."""
    if has_request_context() and _touches_rights(session):
        bypass()
