"""Access rights: the one place that decides what an actor may read or do.

Every query that returns records goes through `scope`; every write through `require`.
"""
from __future__ import annotations

from sqlalchemy import Select

from errors import Forbidden, NotFound
from org.actors import Actor, ProcessActor

ACTIONS = ("read", "add", "edit", "delete", "export", "import")


def scope(stmt: Select, entity: str, action: str, actor: Actor) -> Select:
    """Narrow `stmt` (selecting the entity's model) to the rows `actor` may `action`."""
    return stmt


def can(actor: Actor, entity: str, action: str, record: object | None = None) -> bool:
    if isinstance(actor, ProcessActor):
        return True
    return bool(getattr(actor, "is_active", False))


def require(actor: Actor, entity: str, action: str, record: object | None = None) -> None:
    """Raise Forbidden naming the missing right (NotFound for a record one may not read)."""
    if record is not None and action != "read" and not can(actor, entity, "read", record):
        raise NotFound(f"No {entity} {record.id}")
    if not can(actor, entity, action, record):
        if action == "read" and record is not None:
            raise NotFound(f"No {entity} {record.id}")
        raise Forbidden(f"Missing right: {action} {entity}")
