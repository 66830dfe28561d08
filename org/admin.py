"""Administrator rights and admin mode: the one place that decides who acts as an administrator.

A user holding administrator rights (User.is_admin) works as an ordinary user until they
switch admin mode on: per browser session, or per API token (ApiToken.admin_mode). The web
layer tells this module, once per request, whose request it is and whether admin mode is on
(`enter_request`); every check (`acts_as_admin`, `require_admin`, the CRM's full rights,
the engine's and mail's administrator checks) reads it from here, so no flag is threaded
through service calls.

Outside a web request (CLI commands, Celery workers, scripts, tests calling services) there
is no session to switch: whoever runs the code is an operator, and administrators act with
their rights. Processes (ProcessActor) and the CLI (actor None) always pass.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from errors import Forbidden
from org.actors import ProcessActor


@dataclass(frozen=True)
class RequestMode:
    """Whose web request this is (None: nobody logged in) and whether admin mode is on."""

    user_id: int | None
    on: bool = False
    # Why admin mode cannot be on for this user now (e.g. two-factor sign-in still to set up).
    refused: str | None = None


_mode: ContextVar[RequestMode | None] = ContextVar("flowdesk_admin_mode", default=None)

NEEDS_RIGHTS = "Administrator rights are required"
NEEDS_MODE = ("Switch admin mode on (profile menu) to do this: administrator rights are only used "
              "in admin mode")


def enter_request(user_id: int | None = None, on: bool = False, refused: str | None = None) -> None:
    """Called by the web layer: this request is `user_id`'s, with admin mode `on` (or `refused`, why not)."""
    _mode.set(RequestMode(user_id, bool(on) and not refused, refused))


def request_user_id() -> int | None:
    """Whose web request this is (None outside a request or before anyone is loaded)."""
    mode = _mode.get()
    return mode.user_id if mode is not None else None


def leave_request() -> None:
    """Called when a request ends: code running afterwards is outside any request again."""
    _mode.set(None)


@contextmanager
def as_operator() -> Iterator[None]:
    """Run a block as outside any request (like the CLI): for set-up chores such as demo data."""
    token = _mode.set(None)
    try:
        yield
    finally:
        _mode.reset(token)


def has_admin_rights(actor: object | None) -> bool:
    """Whether the actor holds administrator rights at all (admin mode on or off)."""
    if isinstance(actor, ProcessActor):
        return True
    if actor is None:
        return False
    if getattr(actor, "is_system", False):
        return bool(getattr(actor, "is_admin", False))
    return bool(getattr(actor, "is_admin", False) and getattr(actor, "active", False))


def admin_mode_on(actor: object | None) -> bool:
    """Whether admin mode is on for this actor in the current request (False outside one)."""
    mode = _mode.get()
    return bool(mode is not None and actor is not None and mode.on
                and mode.user_id == getattr(actor, "id", None) and has_admin_rights(actor))


def acts_as_admin(actor: object | None) -> bool:
    """Whether the actor may use administrator rights now (see the module docstring)."""
    if actor is None or isinstance(actor, ProcessActor):
        return True
    if not has_admin_rights(actor):
        return False
    if getattr(actor, "is_system", False) or _mode.get() is None:
        return True
    return admin_mode_on(actor)


def require_admin(actor: object | None) -> None:
    """403 naming what is missing: administrator rights, or admin mode."""
    if acts_as_admin(actor):
        return
    mode = _mode.get()
    if has_admin_rights(actor) and mode is not None and mode.refused:
        raise Forbidden(mode.refused)
    raise Forbidden(NEEDS_MODE if has_admin_rights(actor) else NEEDS_RIGHTS)


def require_can_switch(actor: object | None, on: bool) -> None:
    """Anyone may switch admin mode off; only administrators switch it on."""
    if on and not has_admin_rights(actor):
        raise Forbidden("Only administrators have an admin mode")
