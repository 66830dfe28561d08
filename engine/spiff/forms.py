"""Camunda `formData` forms: checking definitions at upload and typing submitted values.

Field types: string, long, boolean, date (ISO `YYYY-MM-DD`; `dd/MM/yyyy` is accepted on
input), enum (values are the option ids). Constraints: required, readonly, minlength,
maxlength (string), min, max (long, date). A default may be a literal of the field's type
or a `${...}` expression evaluated when the task opens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from engine.spiff.data import RESERVED_KEY
from engine.spiff.expressions import check_expression, has_expression

FIELD_TYPES = ("string", "long", "boolean", "date", "enum")
CONSTRAINTS = ("required", "readonly", "minlength", "maxlength", "min", "max")
_TRUE = {"true", "1", "on", "yes"}
_FALSE = {"false", "0", "off", "no", ""}


class FormDataError(ValueError):
    """Submitted form data is invalid; `.errors` maps field ids to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{key}: {message}" for key, message in errors.items()))
        self.errors = errors


@dataclass
class FieldDef:
    """A form field as written in the diagram (raw text everywhere)."""

    id: str | None
    type: str | None
    label: str | None = None
    default: str | None = None
    constraints: list[tuple[str | None, str | None]] = field(default_factory=list)
    options: list[tuple[str | None, str | None]] = field(default_factory=list)
    properties: dict[str, str] = field(default_factory=dict)

    def constraint(self, name: str) -> str | None:
        """The config of a constraint ('' when present without config), None when absent."""
        for key, config in self.constraints:
            if key == name:
                return config or ""
        return None

    def has(self, name: str) -> bool:
        """Whether a constraint is present."""
        return self.constraint(name) is not None


def field_from_spec(spec_field: Any) -> FieldDef:
    """Build a FieldDef from a SpiffWorkflow camunda FormField."""
    return FieldDef(
        id=spec_field.id,
        type=spec_field.type or "string",  # Camunda passes an untyped value through: text
        label=spec_field.label,
        default=spec_field.default_value,
        constraints=[(v.name, v.config) for v in spec_field.validation],
        options=[(o.id, o.name) for o in getattr(spec_field, "options", [])],
        properties={p.id: p.value for p in spec_field.properties},
    )


def parse_date(value: Any) -> date:
    """Parse an ISO date (or dd/MM/yyyy); raise ValueError."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if "/" in text:
        return datetime.strptime(text, "%d/%m/%Y").date()
    return date.fromisoformat(text[:10]) if len(text) > 10 and text[10] == "T" else date.fromisoformat(text)


def _parse_int(value: Any) -> int:
    """Parse a whole number; raise ValueError (booleans and fractions included)."""
    if isinstance(value, bool):
        raise ValueError("not a whole number")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("not a whole number")
        return int(value)
    return int(str(value).strip())


def _parse_bool(value: Any) -> bool:
    """Parse a boolean from a bool or common strings; raise ValueError."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("not true or false")


def typed_value(fdef: FieldDef, value: Any) -> Any:
    """Convert a value to the field's type (date → ISO string); raise ValueError."""
    if fdef.type == "long":
        return _parse_int(value)
    if fdef.type == "boolean":
        return _parse_bool(value)
    if fdef.type == "date":
        return parse_date(value).isoformat()
    if fdef.type == "enum":
        ids = [option_id for option_id, _ in fdef.options]
        if str(value) not in ids:
            raise ValueError(f"must be one of {', '.join(map(str, ids))}")
        return str(value)
    if isinstance(value, (dict, list)):
        raise ValueError("must be text")
    return str(value)


def check_bounds(fdef: FieldDef, value: Any) -> str | None:
    """Check min/max/minlength/maxlength for a typed value; return a message or None."""
    low, high = fdef.constraint("min"), fdef.constraint("max")
    if fdef.type in ("long", "date") and (low or high):
        parse = _parse_int if fdef.type == "long" else parse_date
        typed = parse(value)
        if low and typed < parse(low):
            return f"must be at least {low}"
        if high and typed > parse(high):
            return f"must be at most {high}"
    if fdef.type in ("string", "enum"):
        shortest, longest = fdef.constraint("minlength"), fdef.constraint("maxlength")
        if shortest and len(value) < int(shortest):
            return f"must be at least {shortest} characters long"
        if longest and len(value) > int(longest):
            return f"must be at most {longest} characters long"
    return None


def coerce_form_data(
    fields: list[FieldDef], data: dict[str, Any], defaults: dict[str, Any]
) -> dict[str, Any]:
    """Type and check submitted values; every field is in the result (missing → default/None)."""
    errors = {key: "is not a field of this form" for key in data if key not in {f.id for f in fields}}
    result: dict[str, Any] = {}
    for fdef in fields:
        raw = defaults.get(fdef.id) if fdef.has("readonly") else data.get(fdef.id, defaults.get(fdef.id))
        try:
            result[fdef.id] = _coerce_one(fdef, raw)
        except ValueError as exc:
            errors[str(fdef.id)] = str(exc)
    if errors:
        raise FormDataError(errors)
    return result


def _coerce_one(fdef: FieldDef, raw: Any) -> Any:
    """Type and check one value; raise ValueError with a user-facing message."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if fdef.has("required"):
            raise ValueError("is required")
        return None
    try:
        value = typed_value(fdef, raw)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{raw!r} is not a valid {fdef.type}: {exc}") from None
    problem = check_bounds(fdef, value)
    if problem:
        raise ValueError(problem)
    return value


def check_form(fields: list[FieldDef]) -> list[str]:
    """Return every problem of a form definition (messages name the field)."""
    problems: list[str] = []
    seen: set[str] = set()
    for index, fdef in enumerate(fields, start=1):
        if not fdef.id:
            problems.append(f"form field #{index} has no id")
            continue
        if fdef.id in seen:
            problems.append(f"form field id {fdef.id!r} is used twice")
        seen.add(fdef.id)
        problems.extend(f"form field {fdef.id!r}: {message}" for message in _check_field(fdef))
    return problems


def _check_field(fdef: FieldDef) -> list[str]:
    """Problems of one field definition."""
    problems = []
    if not str(fdef.id).isidentifier() or str(fdef.id).startswith("_") or fdef.id == RESERVED_KEY:
        problems.append("the id must be a Python identifier not starting with '_' (and not 'typename')")
    if fdef.type is None:  # Camunda passes an untyped field's value through: text here
        fdef.type = "string"
    if fdef.type not in FIELD_TYPES:
        problems.append(f"unknown type {fdef.type!r} (allowed: {', '.join(FIELD_TYPES)})")
        return problems
    if fdef.type == "enum":
        problems.extend(_check_options(fdef))
    problems.extend(_check_constraints(fdef))
    if not problems:
        problems.extend(_check_default(fdef))
    return problems


def _check_options(fdef: FieldDef) -> list[str]:
    """Enum fields need values with distinct, non-empty ids."""
    ids = [option_id for option_id, _ in fdef.options]
    if not ids:
        return ["an enum field needs at least one value"]
    if any(not option_id for option_id in ids):
        return ["every enum value needs an id"]
    if len(set(ids)) != len(ids):
        return ["enum value ids must be distinct"]
    return []


def _check_constraints(fdef: FieldDef) -> list[str]:
    """Check names, applicability and configs of validation constraints."""
    problems = []
    for name, config in fdef.constraints:
        if name not in CONSTRAINTS:
            problems.append(f"unknown validation constraint {name!r} (allowed: {', '.join(CONSTRAINTS)})")
        elif name in ("minlength", "maxlength"):
            problems.extend(_check_length(fdef, name, config))
        elif name in ("min", "max"):
            problems.extend(_check_limit(fdef, name, config))
    if not problems:
        problems.extend(_check_order(fdef))
    return problems


def _check_length(fdef: FieldDef, name: str, config: str | None) -> list[str]:
    """minlength/maxlength apply to strings (and enum ids, as Camunda's validators do) and need a
    whole number >= 0."""
    if fdef.type not in ("string", "enum"):
        return [f"{name} only applies to string and enum fields"]
    if not (config or "").strip().isdigit():
        return [f"{name} needs a whole number >= 0, not {config!r}"]
    return []


def _check_limit(fdef: FieldDef, name: str, config: str | None) -> list[str]:
    """min/max apply to long (whole number) and date (ISO date) fields."""
    if fdef.type not in ("long", "date"):
        return [f"{name} only applies to long and date fields"]
    try:
        _parse_int(config) if fdef.type == "long" else parse_date(config)
    except (TypeError, ValueError):
        return [f"{name} needs a {'whole number' if fdef.type == 'long' else 'date'}, not {config!r}"]
    return []


def _check_order(fdef: FieldDef) -> list[str]:
    """min <= max and minlength <= maxlength."""
    pairs = (("min", "max"), ("minlength", "maxlength"))
    for low_name, high_name in pairs:
        low, high = fdef.constraint(low_name), fdef.constraint(high_name)
        if low and high:
            parse = parse_date if fdef.type == "date" else _parse_int
            if parse(low) > parse(high):
                return [f"{low_name} {low} is greater than {high_name} {high}"]
    return []


def _check_default(fdef: FieldDef) -> list[str]:
    """A literal default must be a valid value; an expression must compile."""
    if fdef.default is None or fdef.default == "":
        return []
    if has_expression(fdef.default):
        problem = check_expression(fdef.default)
        return [f"default value: {problem}"] if problem else []
    try:
        value = typed_value(fdef, fdef.default)
        problem = check_bounds(fdef, value)
    except (TypeError, ValueError) as exc:
        problem = str(exc)
    return [f"default value {fdef.default!r} does not fit: {problem}"] if problem else []
