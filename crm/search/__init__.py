"""Global search over leads, contacts, companies, deals and tasks (see query.py for the design)."""
from __future__ import annotations

from flask import Flask


def register_search(app: Flask) -> None:
    """Subscribe the index to domain events and add `flask search ...`."""
    from crm.event_types import STATE_CHANGES, Change, record_change_types
    from crm.events import register_consumer
    from crm.outbox_hints import register_hint
    from crm.search import models  # noqa: F401  (the table)
    from crm.search.cli import search_cli
    from crm.search.index import COMMENTS_HINT, comments_exist, on_event
    from crm.serialize import EMAILS_HINT, emails_exist

    # Every change of a record (comments are indexed too; a status change comes with its
    # `updated`); mail logged on it changes nothing here.
    changes = tuple(c for c in Change if c not in STATE_CHANGES)
    register_consumer("search", on_event, types=record_change_types(changes))
    register_hint(COMMENTS_HINT, comments_exist())
    # The document (and the engine's record variable) reads the record's e-mails: not when none
    register_hint(EMAILS_HINT, emails_exist())
    app.cli.add_command(search_cli)
