"""Turn submitted task data into column values, observers and links, with an error per field."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from crm.entities import entity as entity_spec
from crm.states import TaskStatus
from errors import NotFound
from extensions import db
from org.models import User, valid_id

TASK_FIELDS = ("title", "description", "deadline", "responsible_id", "observer_ids", "status",
               "links", "per_record")
STATUSES = tuple(TaskStatus)
MAX_LINKS = 500
MAX_OBSERVERS = 100
DEADLINE_HINT = "Use an ISO date or date-time such as 2026-05-01 or 2026-05-01T17:00:00Z"


@dataclass
class TaskInput:
    """Cleaned values; `observer_ids`/`links` stay None when the caller did not send them."""

    values: dict = field(default_factory=dict)
    observer_ids: list[int] | None = None
    links: list[tuple[str, int]] | None = None
    per_record: bool = False
    errors: dict[str, str] = field(default_factory=dict)


def parse_task(data: object, *, partial: bool) -> TaskInput:
    """Check types and references of a task's fields; links are checked for access later."""
    out = TaskInput()
    if not isinstance(data, dict):
        out.errors["_"] = "Expected a JSON object"
        return out
    for name in data:
        if name not in TASK_FIELDS:
            out.errors[name] = "Unknown field"
    if not partial and "title" not in data:
        out.errors["title"] = "This field is required"
    for name, convert in _CONVERTERS.items():
        if name in data:
            try:
                convert(out, data[name])
            except ValueError as exc:
                out.errors[name] = str(exc)
    return out


def _title(out: TaskInput, raw: object) -> None:
    value = _text(raw)
    if not value:
        raise ValueError("This field is required")
    if len(value) > 255:
        raise ValueError("At most 255 characters")
    out.values["title"] = value


def _description(out: TaskInput, raw: object) -> None:
    out.values["description"] = _text(raw)


def _text(raw: object) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise ValueError("Expected text")
    return raw.strip()


def parse_deadline(raw: object) -> datetime | None:
    """An ISO date (midnight UTC) or date-time (converted to naive UTC); None clears it."""
    if raw in (None, ""):
        return None
    if not isinstance(raw, str):
        raise ValueError(DEADLINE_HINT)
    text = raw.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day)
        value = datetime.fromisoformat(text)
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
    except (ValueError, OverflowError):
        raise ValueError(DEADLINE_HINT) from None
    return value


def _deadline(out: TaskInput, raw: object) -> None:
    out.values["deadline"] = parse_deadline(raw)


def _status(out: TaskInput, raw: object) -> None:
    value = str(raw or "").strip().lower()
    if value not in STATUSES:
        raise ValueError("Must be one of open, done")
    out.values["status"] = value


def user_id(raw: object) -> int:
    """The id of an active person (not the system identity), or ValueError."""
    if not valid_id(raw):
        raise ValueError(f"No user {raw}" if str(raw).isdigit() else "Expected a user id")
    uid = int(raw)
    user = db.session.get(User, uid)
    if user is None or user.is_system or not user.active:
        raise ValueError(f"No user {raw}")
    return uid


def _responsible(out: TaskInput, raw: object) -> None:
    out.values["responsible_id"] = None if raw in (None, "") else user_id(raw)


def _observers(out: TaskInput, raw: object) -> None:
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise ValueError("Expected a list of user ids")
    if len(raw) > MAX_OBSERVERS:
        raise ValueError(f"At most {MAX_OBSERVERS} observers")
    ids: list[int] = []
    for item in raw:
        uid = user_id(item)
        if uid not in ids:
            ids.append(uid)
    out.observer_ids = ids


def _links(out: TaskInput, raw: object) -> None:
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise ValueError('Expected a list of {"entity": "lead", "id": 1}')
    if len(raw) > MAX_LINKS:
        raise ValueError(f"At most {MAX_LINKS} records")
    links: list[tuple[str, int]] = []
    for item in raw:
        link = _link(item)
        if link not in links:
            links.append(link)
    out.links = links


def _link(item: object) -> tuple[str, int]:
    if not isinstance(item, dict) or "entity" not in item or "id" not in item:
        raise ValueError('Each link needs "entity" and "id"')
    try:
        spec = entity_spec(str(item["entity"]))
    except KeyError:
        raise ValueError(f"Unknown record type {item['entity']!r}") from None
    raw_id = item["id"]
    if not valid_id(raw_id):
        raise ValueError(f"Expected a {spec.name} id, got {raw_id!r}")
    return spec.name, int(raw_id)


def _per_record(out: TaskInput, raw: object) -> None:
    if not isinstance(raw, bool):
        raise ValueError("Expected true or false")
    out.per_record = raw


_CONVERTERS = {
    "title": _title, "description": _description, "deadline": _deadline, "status": _status,
    "responsible_id": _responsible, "observer_ids": _observers, "links": _links,
    "per_record": _per_record,
}


def load_linked(links: list[tuple[str, int]], actor: object) -> tuple[list[object], dict[str, str]]:
    """The linked records the actor may read, or an error naming each one that is missing."""
    from crm.services.records import get_record

    records, missing = [], []
    for entity, record_id in links:
        try:
            records.append(get_record(entity, record_id, actor=actor))
        except NotFound:
            missing.append(f"{entity} {record_id}")
    errors = {"links": "No " + ", ".join(missing)} if missing else {}
    return records, errors
