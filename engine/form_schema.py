"""Camunda Forms (form-js JSON): check a schema at upload, check submitted data on the server.

The browser's form-js viewer validates too, but nothing it sends is trusted: completion data
is checked again here against the stored schema (required, minLength/maxLength, min/max,
pattern, email/phone, the options of select/radio/checklist/taglist, number and date types).
Values of readonly, disabled and expression fields are never taken from the
client. A field hidden by its `conditional.hide` (engine.feel_subset: simple FEEL) is not
required and its value is dropped, as the viewer does; a condition outside that subset only
makes the field optional.
Pure: no database.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any

from engine import feel_subset
from engine.forms import MAX_STRING, FormResult

MAX_COMPONENTS = 500
MAX_PATTERN = 500
# Components that hold no value (layout, text, buttons): they need no key.
NO_VALUE = {"text", "html", "button", "spacer", "separator", "image", "iframe", "table",
            "documentPreview", "default"}
CONTAINERS = {"group", "dynamiclist"}
OPTION_TYPES = {"select", "radio", "checklist", "taglist"}
LIST_TYPES = {"checklist", "taglist"}
COMPUTED = {"expression"}  # computed in the browser from other values: never accepted
EMAIL = re.compile(r"^[^\s@]+@[^\s@]+\.[^\s@]+$")
PHONE = re.compile(r"^\+?[0-9 ()./-]{4,30}$")
TEMPORAL_HINTS = {"date": "Expected a date such as 2024-12-31", "time": "Expected a time such as 09:30",
                  "datetime": "Expected a date and time such as 2024-12-31T09:30"}
CAMUNDA_BPMN = "{http://camunda.org/schema/1.0/bpmn}"


class FormSchemaError(ValueError):
    """A schema that cannot be deployed; `where` names the form and component."""

    def __init__(self, reason: str, where: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.where = reason, where


def parse_schema(data: bytes | str, name: str = "form") -> dict:
    """The form-js schema of an uploaded .form file, checked (FormSchemaError naming the problem)."""
    try:
        schema = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FormSchemaError(f"{name} is not JSON: {exc}", name) from None
    if not isinstance(schema, dict):
        raise FormSchemaError(f"{name}: a form is a JSON object", name)
    form_id = schema.get("id")
    if not isinstance(form_id, str) or not form_id.strip() or len(form_id) > 255:
        raise FormSchemaError(f'{name}: the form has no "id" (its top-level id names it)', name)
    if not isinstance(schema.get("components"), list):
        raise FormSchemaError(f'form {form_id!r}: "components" must be a list', form_id)
    _check_components(form_id, schema["components"], set(), 0)
    return schema


def _check_components(form_id: str, components: list, keys: set[str], depth: int) -> int:
    count = 0
    for index, comp in enumerate(components):
        where = f"form {form_id!r} component {index + 1}"
        if not isinstance(comp, dict) or not isinstance(comp.get("type"), str):
            raise FormSchemaError(f"{where}: a component is an object with a type", form_id)
        where = f"form {form_id!r} component {comp.get('id') or index + 1} ({comp['type']})"
        count += 1 + (_check_components(form_id, comp.get("components") or [], keys, depth + 1)
                      if comp["type"] in CONTAINERS and depth < 5 else 0)
        if count > MAX_COMPONENTS:
            raise FormSchemaError(f"form {form_id!r}: more than {MAX_COMPONENTS} components", form_id)
        if comp["type"] in NO_VALUE or comp["type"] == "group":
            continue
        _check_field(form_id, where, comp, keys)
    return count


def _check_field(form_id: str, where: str, comp: dict, keys: set[str]) -> None:
    key = comp.get("key") if comp["type"] != "dynamiclist" else comp.get("path")
    if not isinstance(key, str) or not key.strip():
        raise FormSchemaError(f"{where}: a field needs a key (the variable it sets)", form_id)
    if key in keys:
        raise FormSchemaError(f"{where}: the key {key!r} is used twice", form_id)
    keys.add(key)
    pattern = (comp.get("validate") or {}).get("pattern")
    if pattern:
        try:
            if len(str(pattern)) > MAX_PATTERN:
                raise re.error("too long")
            re.compile(str(pattern))
        except re.error as exc:
            raise FormSchemaError(f"{where}: the pattern of {key!r} is not a regular expression "
                                  f"({exc})", form_id) from None


def task_form_ref(el: Any) -> dict | None:
    """{ref, binding, version, by} of a user task element's Camunda Form, or None."""
    ref = (el.get(CAMUNDA_BPMN + "formRef") or "").strip()
    if ref:
        return {"ref": ref, "binding": el.get(CAMUNDA_BPMN + "formRefBinding") or "latest",
                "version": el.get(CAMUNDA_BPMN + "formRefVersion"), "by": "formRef"}
    key = (el.get(CAMUNDA_BPMN + "formKey") or "").strip()
    if key.startswith("camunda-forms:"):
        return {"ref": key, "binding": "resource", "version": None, "by": "formKey"}
    return None


def fields(schema: dict) -> Iterator[tuple[list[str], dict]]:
    """Every value component with its data path (a group's `path` nests its fields)."""
    yield from _walk(schema.get("components") or [], [])


def _walk(components: list, prefix: list[str]) -> Iterator[tuple[list[str], dict]]:
    for comp in components:
        kind = comp.get("type")
        if kind == "group":
            path = [p for p in str(comp.get("path") or "").split(".") if p]
            yield from _walk(comp.get("components") or [], prefix + path)
        elif kind == "dynamiclist":
            yield [*prefix, *str(comp.get("path")).split(".")], comp
        elif kind not in NO_VALUE and comp.get("key"):
            yield [*prefix, *str(comp["key"]).split(".")], comp


def field_keys(schema: dict) -> list[str]:
    """The top-level variable names the form reads and sets."""
    return list(dict.fromkeys(path[0] for path, _ in fields(schema)))


def clean_submission(schema: dict, data: object, current: dict | None = None) -> FormResult:
    """Check `data` (the viewer's submit) against the schema: the variables to set, or errors by key."""
    out = FormResult()
    if not isinstance(data, dict):
        out.errors["data"] = "Expected an object of form values"
        return out
    current = current or {}
    context = {**current, **data}  # what the viewer evaluates conditions over
    known = set()
    dropped = {tuple(path) for path, _ in _walk(_hidden_groups(schema, context), [])}
    for path, comp in fields(schema):
        name = ".".join(path)
        known.add(path[0])
        present, raw = _lookup(data, path)
        try:
            if comp.get("type") in COMPUTED or tuple(path) in dropped or hidden(comp, context) is True:
                continue  # computed by the browser, or hidden (or in a hidden group): dropped, not refused
            if _locked(comp, context):
                known_before, before = _lookup(current, path)
                _same_as_before(comp, present, raw, before if known_before else comp.get("defaultValue"))
                continue
            value = clean_value(comp, raw if present else None, current)
        except ValueError as exc:
            out.errors[name] = str(exc)
            continue
        if present or value is not None:
            _store(out.values, path, value)
    for key in data:
        if key not in known:
            out.errors[str(key)] = "Unknown field: the form has no such field"
    if out.errors:
        out.values = {}
    return out


def hidden(comp: dict, context: dict) -> bool | None:
    """Whether the field's `conditional.hide` hides it: True, False, or None outside the FEEL subset."""
    condition = (comp.get("conditional") or {}).get("hide")
    if not condition:
        return False
    try:
        return feel_subset.evaluate(str(condition), context) is True
    except feel_subset.Unsupported:
        return None


def _hidden_groups(schema: dict, context: dict) -> list[dict]:
    """The groups (with their prefixes kept) that their own condition hides: all their fields are hidden."""
    out: list[dict] = []

    def visit(components: list, prefix: str) -> None:
        for comp in components:
            if comp.get("type") != "group":
                continue
            path = ".".join(p for p in (prefix, str(comp.get("path") or "")) if p)
            if hidden(comp, context) is True:
                out.append({"type": "group", "path": path, "components": comp.get("components") or []})
            else:
                visit(comp.get("components") or [], path)
    visit(schema.get("components") or [], "")
    return out


def feel_warnings(schema: dict) -> list[str]:
    """Expressions the server cannot evaluate, naming form and field: a `conditional.hide` (the
    field is then only made optional) or a `readonly` (the field is then read-only there)."""
    out = []
    for path, comp in fields(schema):
        checks = (("conditional.hide", (comp.get("conditional") or {}).get("hide"), "optional"),
                  ("readonly", comp.get("readonly"), "read-only"))
        for what, expression, then in checks:
            if not expression or not isinstance(expression, str):
                continue
            try:
                feel_subset.parse(expression)
            except feel_subset.Unsupported as exc:
                out.append(f"form {schema.get('id')!r} field {'.'.join(path)!r}: {what} {expression!r} "
                           f"is not checked on the server ({exc}): the field is {then} there")
    return out


def _lookup(data: dict, path: list[str]) -> tuple[bool, Any]:
    node: Any = data
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _store(values: dict, path: list[str], value: Any) -> None:
    for part in path[:-1]:
        values = values.setdefault(part, {})
    values[path[-1]] = value


def _locked(comp: dict, context: dict) -> bool:
    """Readonly or disabled; a FEEL `readonly` the server cannot evaluate counts as readonly, so
    the browser alone never decides that a value may be written (warned at upload)."""
    if comp.get("readonly") is True or comp.get("disabled") is True:
        return True
    expression = comp.get("readonly")
    if not isinstance(expression, str) or not expression.strip():
        return False
    try:
        return feel_subset.evaluate(expression, context) is True
    except feel_subset.Unsupported:
        return True


def _same_as_before(comp: dict, present: bool, raw: Any, before: Any) -> None:
    """A read-only value may come back unchanged (the viewer sends the variable or the schema's
    defaultValue); it is never written."""
    if present and not _blank(raw) and raw != before:
        raise ValueError(f"{comp.get('label') or comp.get('key')}: this field is read-only")


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == []


def clean_value(comp: dict, raw: Any, current: dict | None = None) -> Any:
    """One field's value checked against its component (ValueError with the message to show);
    `current` holds the task's variables, which a `valuesKey` names the options in."""
    rules = comp.get("validate") or {}
    if _blank(raw):
        # Evaluable conditions that hide the field never get here; others leave it optional.
        conditional = feel_subset.supported((comp.get("conditional") or {}).get("hide"))
        if rules.get("required") and conditional is not False:
            raise ValueError("This field is required")
        return None
    kind = comp.get("type")
    if kind == "dynamiclist":
        return _list_of_items(comp, raw)
    value = _typed(comp, kind, raw)
    _check_rules(rules, kind, value)
    if kind in OPTION_TYPES:
        _check_options(comp, value, current or {})
    return value


def _typed(comp: dict, kind: str | None, raw: Any) -> Any:
    if kind in ("textfield", "textarea"):
        if not isinstance(raw, str):
            raise ValueError("Expected text")
        if len(raw) > MAX_STRING:
            raise ValueError(f"At most {MAX_STRING} characters")
        return raw
    if kind == "number":
        return _number(comp, raw)
    if kind == "checkbox":
        if not isinstance(raw, bool):
            raise ValueError("Expected true or false")
        return raw
    if kind in LIST_TYPES:
        if not isinstance(raw, list):
            raise ValueError("Expected a list of values")
        return raw
    if kind == "datetime":
        return _datetime(comp, raw)
    return raw  # select, radio, filepicker and newer kinds: checked by their options, if any


def _number(comp: dict, raw: Any) -> int | float:
    value = raw
    if isinstance(raw, str) and comp.get("serializeToString"):
        try:
            value = float(raw) if any(c in raw for c in ".eE") else int(raw)
        except ValueError:
            raise ValueError("Expected a number") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise ValueError("Expected a number")
    digits = comp.get("decimalDigits")
    if isinstance(digits, int) and isinstance(value, float) and round(value, digits) != value:
        raise ValueError(f"At most {digits} decimal digits")
    return str(raw) if comp.get("serializeToString") else value


def _datetime(comp: dict, raw: Any) -> str:
    if not isinstance(raw, str):
        raise ValueError("Expected a date or time as text")
    subtype = comp.get("subtype") or "date"
    try:
        if subtype == "date":
            date.fromisoformat(raw)
        elif subtype == "time":
            time.fromisoformat(raw[:5])
        else:
            datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(TEMPORAL_HINTS.get(subtype, TEMPORAL_HINTS["datetime"])) from None
    return raw


def _check_rules(rules: dict, kind: str | None, value: Any) -> None:
    if isinstance(value, str) and kind in ("textfield", "textarea"):
        low, high = rules.get("minLength"), rules.get("maxLength")
        if isinstance(low, int) and len(value) < low:
            raise ValueError(f"At least {low} characters")
        if isinstance(high, int) and len(value) > high:
            raise ValueError(f"At most {high} characters")
        if rules.get("pattern") and not re.fullmatch(str(rules["pattern"]), value):
            raise ValueError(rules.get("patternErrorMessage") or f"Must match the pattern {rules['pattern']}")
        kind_rule = rules.get("validationType")
        if kind_rule == "email" and not EMAIL.match(value):
            raise ValueError("Expected an email address")
        if kind_rule == "phone" and not PHONE.match(value):
            raise ValueError("Expected a phone number")
    if kind == "number":
        number = float(value)
        if _is_num(rules.get("min")) and number < rules["min"]:
            raise ValueError(f"At least {rules['min']}")
        if _is_num(rules.get("max")) and number > rules["max"]:
            raise ValueError(f"At most {rules['max']}")


def _is_num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_options(comp: dict, value: Any, current: dict) -> None:
    """Static options (`values`) and those of the variable a `valuesKey` names bound the choice
    (a `valuesExpression`, or a valuesKey variable the task does not hold, cannot be known here)."""
    options = comp.get("values")
    if not isinstance(options, list) and isinstance(comp.get("valuesKey"), str):
        options = current.get(comp["valuesKey"])
    if not isinstance(options, list):
        return
    # form-js takes {label, value} objects, or plain values used as both
    allowed = [o.get("value") if isinstance(o, dict) else o for o in options]
    for item in value if isinstance(value, list) else [value]:
        if item not in allowed:
            raise ValueError(f"Must be one of {', '.join(map(str, allowed))}")


def _list_of_items(comp: dict, raw: Any) -> list:
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise ValueError("Expected a list of entries")
    sub = {"components": comp.get("components") or []}
    cleaned = []
    for number, item in enumerate(raw, 1):
        result = clean_submission(sub, item)
        if result.errors:
            key, message = next(iter(result.errors.items()))
            raise ValueError(f"Entry {number}, {key}: {message}")
        cleaned.append(result.values)
    return cleaned
