"""Who performs a service call: a person, or a process acting with the system identity."""
from __future__ import annotations

from dataclasses import dataclass

from org.models import User


@dataclass(frozen=True)
class ProcessActor:
    """A process instance acting as the system user on behalf of someone."""

    user: User
    instance_id: int
    on_behalf_of_id: int | None = None
    depth: int = 0

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def is_admin(self) -> bool:
        return True


Actor = User | ProcessActor


def actor_user(actor: Actor) -> User:
    return actor.user if isinstance(actor, ProcessActor) else actor


def origin_instance_id(actor: Actor) -> int | None:
    return actor.instance_id if isinstance(actor, ProcessActor) else None


def event_depth(actor: Actor) -> int:
    return actor.depth if isinstance(actor, ProcessActor) else 0
