"""Query-string parameters as Camunda's list endpoints take them; 400 naming the parameter."""
from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import request

from engine import deploy
from engine.models import ProcessVersion
from errors import NotFound, ValidationError

MAX_RESULTS = 1000
_OFFSET_SPACE = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$")


def arg_int(name: str, default: int, *, low: int = 0, high: int = 2**31 - 1) -> int:
    """A whole-number parameter."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ValidationError.from_fields({name: f"Expected a whole number from {low} to {high}"})
    return int(raw)


def arg_bool(name: str) -> bool | None:
    """true / false, or None when absent."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    found = {"true": True, "false": False}.get(raw.lower())
    if found is None:
        raise ValidationError.from_fields({name: "Expected true or false"})
    return found


def arg_time(name: str) -> datetime | None:
    """A time as Camunda writes it (2026-12-04T17:48:00.000+0000, or any ISO 8601): naive UTC."""
    raw = request.args.get(name)
    return parse_time(raw, name) if raw else None


def parse_time(raw: str, name: str) -> datetime:
    """A time as Camunda writes it (or any ISO 8601) as naive UTC; 400 naming `name`."""
    raw = _OFFSET_SPACE.sub(r"\1+\2", raw.strip())  # an unencoded + of the offset arrives as a space
    for parse in (lambda t: datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%f%z"), datetime.fromisoformat):
        try:
            value = parse(raw)
        except ValueError:
            continue
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    raise ValidationError.from_fields({name: "Expected a time like 2026-12-04T17:48:00.000+0000"})


def arg_id(name: str) -> int | None:
    """A numeric Flowdesk id parameter; -1 when it cannot name anything (the list is empty)."""
    from org.models import valid_id

    raw = request.args.get(name)
    if not raw:
        return None
    return int(raw) if valid_id(raw) else -1


def paging() -> tuple[int, int]:
    """(firstResult, maxResults)."""
    return arg_int("firstResult", 0), arg_int("maxResults", 100, low=1, high=MAX_RESULTS)


def sorting(allowed: dict | tuple, default: str = "instanceId") -> tuple[str, bool]:
    """(sortBy, descending) among the allowed names; sortOrder without sortBy is refused, as Camunda does."""
    by, order = request.args.get("sortBy"), request.args.get("sortOrder")
    if by is not None and by not in allowed:
        raise ValidationError.from_fields({"sortBy": "One of " + ", ".join(allowed)})
    if order is not None and order not in ("asc", "desc"):
        raise ValidationError.from_fields({"sortOrder": "asc or desc"})
    if (by is None) != (order is None):
        raise ValidationError.from_fields({"sortOrder" if by else "sortBy":
                                           "Give sortBy and sortOrder together"})
    return by or default, order == "desc"


def version_by_id(definition_id: str) -> ProcessVersion | None:
    """The version a `key:version:n` process definition id names, or None."""
    key, _, rest = definition_id.partition(":")
    number = rest.partition(":")[0]
    if not key or not number.isdigit() or len(number) > 9:
        return None
    try:
        return deploy.get_version(key, int(number))
    except NotFound:
        return None


def arg_version_id(name: str = "processDefinitionId") -> int | None:
    """The version id a process definition id parameter names; -1 (matches nothing) for an
    unknown one, None without the parameter."""
    raw = request.args.get(name)
    if not raw:
        return None
    version = version_by_id(raw)
    return version.id if version else -1
