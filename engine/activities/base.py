"""What every activity shares: its context, its errors, its parameter and topic descriptions."""
from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from errors import ServiceError
from org.actors import ProcessActor


class ActivityError(Exception):
    """A service task failed; the message starts with the topic and names the parameter."""


@dataclass(frozen=True)
class ActivityContext:
    """Where a handler runs: the instance, the task (its uuid keys idempotency), the actor, the record."""

    instance_id: int
    task_uuid: str
    element_id: str
    actor: ProcessActor
    entity: str | None = None
    entity_id: int | None = None


@dataclass(frozen=True)
class Param:
    """One parameter: its name, whether the diagram must give it, what it means."""

    name: str
    description: str
    required: bool = False
    type: str = "string"  # string | integer | boolean | object | date | list


Handler = Callable[[dict, ActivityContext], dict | None]


@dataclass(frozen=True)
class Topic:
    """An activity: the service-task topic, its parameters, result variable and handler."""

    name: str
    description: str
    params: tuple[Param, ...]
    result: str | None
    handler: Handler
    result_description: str = ""
    extra: dict = field(default_factory=dict)
    # False: the handler only calls out (no rows of its own), so it runs before the savepoint and
    # holds no SQLite write lock through its network time (engine.activities.dispatch)
    writes: bool = True

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


def fail(topic: str, param: str, message: str, *, kind: str = "parameter") -> ActivityError:
    """An ActivityError such as "crm.update_record: field 'stage': Must be one of ..."."""
    return ActivityError(f"{topic}: {kind} '{param}': {message}")


def from_service_error(topic: str, exc: ServiceError, field_params: set[str] | None = None,
                       rename: dict[str, str] | None = None) -> ActivityError:
    """Translate a CRM ServiceError; its fields become parameters (or `fields` entries)."""
    if not exc.fields:
        return ActivityError(f"{topic}: {exc.message}")
    parts = []
    for name, message in sorted(exc.fields.items()):
        shown = (rename or {}).get(name, name)
        kind = "field" if field_params is not None and name in field_params else "parameter"
        parts.append(f"{kind} '{shown}': {message}")
    return ActivityError(f"{topic}: " + "; ".join(parts))


def given(params: dict, name: str) -> bool:
    """A parameter counts as given unless missing, None or blank text."""
    value = params.get(name)
    return value is not None and not (isinstance(value, str) and not value.strip())


def as_bool(topic: str, params: dict, name: str, default: bool) -> bool:
    """A boolean parameter: true/false, or the literal texts "true"/"false"/"yes"/"no"/"1"/"0"."""
    if not given(params, name):
        return default
    value = params[name]
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("true", "yes", "1", "on"):
        return True
    if text in ("false", "no", "0", "off"):
        return False
    raise fail(topic, name, "Expected true or false")


def as_int(topic: str, params: dict, name: str) -> int:
    """An id parameter as an int."""
    value = params.get(name)
    if isinstance(value, bool):
        raise fail(topic, name, "Expected a number")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise fail(topic, name, f"Expected a number, got {value!r}")


def as_dict(topic: str, params: dict, name: str) -> dict:
    """An object parameter (`${{"status": "JUNK"}}`); a JSON text is accepted as well."""
    value = params.get(name)
    if not given(params, name):
        return {}
    if isinstance(value, str):
        import json

        try:
            value = json.loads(value)
        except ValueError:
            raise fail(topic, name, 'Expected an object such as ${{"status": "JUNK"}}') from None
    if not isinstance(value, dict):
        raise fail(topic, name, 'Expected an object such as ${{"status": "JUNK"}}')
    return dict(value)


_DURATION = re.compile(
    r"^P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$")


def deadline_text(topic: str, name: str, value: object, now: datetime | None = None) -> str | None:
    """An ISO date/date-time as given, or an ISO-8601 duration ("P1Y", "P3D", "PT4H") from now."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    if not isinstance(value, str):
        raise fail(topic, name, "Expected an ISO date, date-time or duration such as P7D")
    match = _DURATION.match(value.strip().upper())
    if not match or value.strip().upper() in ("P", "PT"):
        return value.strip()
    parts = {k: int(v or 0) for k, v in match.groupdict().items()}
    base = _add_months((now or datetime.now(UTC)).replace(microsecond=0),
                       parts["years"] * 12 + parts["months"])
    delta = timedelta(weeks=parts["weeks"], days=parts["days"], hours=parts["hours"],
                      minutes=parts["minutes"], seconds=parts["seconds"])
    return (base + delta).isoformat()


def _add_months(moment: datetime, months: int) -> datetime:
    if not months:
        return moment
    total = moment.month - 1 + months
    year, month = moment.year + total // 12, total % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, monthrange(year, month)[1]))
