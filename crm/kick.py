"""After a commit that wrote events, ask a worker to relay them now."""
from __future__ import annotations

from flask import Flask, current_app, has_app_context

from crm.events import on_outbox_commit


def _kick() -> None:
    # Read the setting at call time: tests build apps with different settings.
    if not has_app_context() or current_app.config.get("OUTBOX_KICK") != "celery":
        return
    from crm.tasks import relay_outbox

    relay_outbox.apply_async(retry=False)


def install_outbox_kick(app: Flask) -> None:
    on_outbox_commit(_kick)
