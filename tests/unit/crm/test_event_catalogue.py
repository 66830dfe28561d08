"""The catalogue of domain events: every type, who consumes it, and what is refused."""
from __future__ import annotations

import pytest

from crm.event_types import Change, MailEvent, event_types, record_event_type
from crm.events import consumers_of, record_event, register_consumer

# webhooks takes every type (an endpoint picks the ones it wants)
BOTH, SEARCH, ENGINE = ["engine", "search", "webhooks"], ["search", "webhooks"], ["engine", "webhooks"]

# Every event type the platform records, with the consumers the relay hands it to. A new
# type or consumer changes this table on purpose.
CATALOGUE = {
    "lead.created": BOTH, "lead.updated": BOTH, "lead.deleted": BOTH, "lead.commented": BOTH,
    "lead.converted": BOTH, "lead.status_changed": ENGINE,
    "contact.created": BOTH, "contact.updated": BOTH, "contact.deleted": BOTH, "contact.commented": BOTH,
    "company.created": BOTH, "company.updated": BOTH, "company.deleted": BOTH, "company.commented": BOTH,
    "deal.created": BOTH, "deal.updated": BOTH, "deal.deleted": BOTH, "deal.commented": BOTH,
    "deal.stage_changed": ENGINE,
    "task.created": BOTH, "task.updated": BOTH, "task.deleted": BOTH, "task.commented": BOTH,
    "task.status_changed": ENGINE,
    "email.received": ENGINE, "email.sent": ENGINE,
    # declared by calendars (calendars/event_types.py)
    "event.created": ENGINE, "event.updated": ENGINE, "event.deleted": ["webhooks"],
}


def test_every_event_type_is_listed_with_its_consumers(app):
    assert {t: sorted(consumers_of(t)) for t in event_types()} == CATALOGUE


def test_types_are_built_from_the_catalogue():
    assert record_event_type("deal", Change.UPDATED) == "deal.updated"
    assert MailEvent.RECEIVED == "email.received"
    with pytest.raises(ValueError, match="deal.converted"):
        record_event_type("deal", Change.CONVERTED)  # only leads are converted


def test_an_undeclared_type_is_refused_when_recorded_or_consumed(app):
    with pytest.raises(ValueError, match="lead.archived"):
        record_event("lead.archived", "lead", 1, {}, actor=None)
    with pytest.raises(ValueError, match="deal.won"):
        register_consumer("probe", lambda event: None, types={"deal.won"})
