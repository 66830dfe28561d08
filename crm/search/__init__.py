"""Global search over leads, contacts, companies, deals and tasks (see query.py for the design)."""
from __future__ import annotations

from flask import Flask


def register_search(app: Flask) -> None:
    """Subscribe the index to domain events and add `flask search ...`."""
    from crm.event_types import record_change_types
    from crm.events import register_consumer
    from crm.search import models  # noqa: F401  (the table)
    from crm.search.cli import search_cli
    from crm.search.index import on_event

    # Every change of a record (comments are indexed too); mail logged on it changes nothing here.
    register_consumer("search", on_event, types=record_change_types())
    app.cli.add_command(search_cli)
