"""Reports of one's own: an entity, list filters, one or two groupings (dates by day, week or
month), a measure (count, or the sum or average of a numeric field) and a chart kind; run over
the access-scoped list query, so the figures hold only readable records."""
from __future__ import annotations

from dataclasses import replace

from sqlalchemy import ColumnElement, func, select

from crm.entities import REGISTRY
from crm.reports.scope import check_entity, parse_period, scoped
from crm.states import FieldKind
from errors import ValidationError
from extensions import db
from org.actors import Actor

DATE_FIELDS = ("created_at", "updated_at")
UNITS = ("day", "week", "month")
GROUP_KINDS = (FieldKind.STATUS, FieldKind.REF, FieldKind.STR, FieldKind.BOOL, FieldKind.CURRENCY)
MEASURES = ("count", "sum", "avg")
CHARTS = ("bar", "line", "pie", "table")


def date_bucket(column: ColumnElement, unit: str) -> ColumnElement:
    """The day ("2026-12-04"), week (its Monday) or month ("2026-12") of a timestamp, as text."""
    if db.engine.dialect.name == "sqlite":
        if unit == "week":  # 'weekday 0' moves to the coming Sunday: six days back is the Monday
            return func.date(column, "weekday 0", "-6 days")
        return func.strftime("%Y-%m-%d" if unit == "day" else "%Y-%m", column)
    pattern = "YYYY-MM" if unit == "month" else "YYYY-MM-DD"
    return func.to_char(func.date_trunc(unit, column), pattern)


def _groupings(entity: str, raw: object, errors: dict) -> list[dict]:
    spec = REGISTRY[entity]
    if not isinstance(raw, list) or not 1 <= len(raw) <= 2:
        errors["group_by"] = "One or two groupings"
        return []
    out = []
    for g in raw:
        name = g.get("field") if isinstance(g, dict) else g
        unit = g.get("unit", "month") if isinstance(g, dict) else "month"
        f = spec.field(name) if isinstance(name, str) else None
        if name in DATE_FIELDS:
            if unit not in UNITS:
                errors["group_by"] = f"A date groups by {', '.join(UNITS)}"
            out.append({"field": name, "unit": unit})
        elif f is not None and f.kind in GROUP_KINDS:
            out.append({"field": name})
        else:
            errors["group_by"] = f"Cannot group by {name!r}"
    return out


def _measure(entity: str, raw: object, errors: dict) -> dict:
    raw = raw if isinstance(raw, dict) else {"fn": raw or "count"}
    fn, name = raw.get("fn", "count"), raw.get("field")
    if fn not in MEASURES:
        errors["measure"] = f"One of {', '.join(MEASURES)}"
    elif fn != "count":
        f = REGISTRY[entity].field(name) if isinstance(name, str) else None
        if f is None or f.kind != FieldKind.DECIMAL:
            errors["measure"] = "Sum and average need a numeric field"
        return {"fn": fn, "field": name}
    return {"fn": "count"}


def clean_spec(entity: str, spec: object) -> dict:
    """The spec checked and normalised; 422 naming the part that is wrong."""
    check_entity(entity)
    spec = spec if isinstance(spec, dict) else {}
    errors: dict[str, str] = {}
    out = {"group_by": _groupings(entity, spec.get("group_by"), errors),
           "measure": _measure(entity, spec.get("measure"), errors),
           "chart": spec.get("chart", "bar"), "filters": spec.get("filters") or {}}
    if out["chart"] not in CHARTS:
        errors["chart"] = f"One of {', '.join(CHARTS)}"
    filters = out["filters"]
    if not isinstance(filters, dict) or not all(isinstance(v, (str, int)) for v in filters.values()):
        errors["filters"] = "An object of list filters"
    for key in ("from", "to", "responsible_id", "department_id"):
        if spec.get(key):
            out[key] = spec[key]
    if errors:
        raise ValidationError.from_fields(errors)
    parse_period(out)  # dates and ids checked now, not when the report runs
    return out


def run_report(entity: str, spec: dict, *, actor: Actor) -> dict:
    """{"columns": [...], "rows": [[group, (group,) value], ...]} over readable records."""
    spec = clean_spec(entity, spec)
    period = parse_period(spec)
    base = scoped(entity, replace(period, filters=spec["filters"]), actor=actor)
    rec = base.subquery()
    keys = [date_bucket(rec.c[g["field"]], g["unit"]) if "unit" in g else rec.c[g["field"]]
            for g in spec["group_by"]]
    m = spec["measure"]
    value = func.count() if m["fn"] == "count" else getattr(func, m["fn"])(rec.c[m["field"]])
    labels = [k.label(f"g{i}") for i, k in enumerate(keys)]
    stmt = select(*labels, value.label("value")).group_by(*labels).order_by(*labels)
    rows = [[*r[:-1], None if r[-1] is None else round(float(r[-1]), 2)] for r in db.session.execute(stmt)]
    label = "count" if m["fn"] == "count" else f"{m['fn']} of {m['field']}"
    columns = [g["field"] + (f" ({g['unit']})" if "unit" in g else "") for g in spec["group_by"]]
    return {"entity": entity, "spec": spec, "columns": [*columns, label], "rows": rows}
