"""OpenAPI description of /api/v1/reports."""
from __future__ import annotations

from crm.reports.export import MEDIA
from crm.reports.layouts import WIDGETS
from web.api.openapi import op, ref, register_paths

TAG = "Reports"
Q = [{"name": n, "in": "query", "required": False, "schema": {"type": "string"}, "description": d}
     for n, d in (
    ("entity", "deal (default) or lead"), ("from", "created on or after (YYYY-MM-DD)"),
    ("to", "created on or before (YYYY-MM-DD)"), ("responsible_id", "ids, comma-separated"),
    ("department_id", "ids, comma-separated: the departments and their sub-departments"),
    ("pipeline_id", "deals: the pipeline whose stages make the funnel (default: the default pipeline)"))]
ID = [{"name": "report_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}]
NUM = {"type": ["number", "null"]}
STAGE = {"type": "object", "required": ["stage", "count", "amount", "conversion", "avg_days"], "properties": {
    "stage": {"type": "string"}, "name": {"type": "string"}, "count": {"type": "integer"},
    "amount": {"type": "number"}, "conversion": NUM, "avg_days": NUM, "current": {"type": "integer"},
    "current_amount": {"type": "number"}}}
CLOSED = {"type": "object", "required": ["count", "amount", "reasons"], "properties": {
    "count": {"type": "integer"}, "amount": {"type": "number"}, "conversion": NUM,
    "reasons": {"type": "array", "items": {"type": "object"}}}}
SCHEMAS = {
    "Funnel": {"type": "object", "required": ["entity", "stages", "won", "lost", "lead_to_deal"],
               "properties": {
        "entity": {"type": "string"}, "total": {"type": "integer"},
        "pipeline_id": {"type": ["integer", "null"], "description": "deals: the pipeline the stages are of"},
        "stages": {"type": "array", "items": STAGE},
        "won": CLOSED, "lost": CLOSED, "lead_to_deal": {"type": "object"}}},
    "SavedReport": {"type": "object", "required": ["id", "name", "entity", "spec"], "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "entity": {"type": "string"},
        "spec": {"type": "object"}, "weekly": {"type": "boolean"}, "owner_id": {"type": "integer"},
        "share": {"type": "object"}}},
    "SavedReportInput": {"type": "object", "properties": {
        "name": {"type": "string"}, "entity": {"type": "string"}, "weekly": {"type": "boolean"},
        "spec": {"type": "object", "description":
                 'group_by: [{"field": "created_at", "unit": "week"}, "stage"], measure: '
                 '{"fn": "count|sum|avg", "field": "amount"}, chart: bar|line|pie|table, filters, from, to'},
        "share": {"type": "object", "properties": {
            "department_ids": {"type": "array", "items": {"type": "integer"}},
            "workgroup_ids": {"type": "array", "items": {"type": "integer"}}}}}},
    "ReportData": {"type": "object", "required": ["columns", "rows"], "properties": {
        "columns": {"type": "array", "items": {"type": "string"}}, "rows": {"type": "array"}}},
}
LAYOUT = {"type": "object", "required": ["widgets"], "properties": {
    "widgets": {"type": "array", "items": {"type": "string", "enum": list(WIDGETS)}},
    "source": {"type": "string", "enum": ["mine", "shared", "default"]}}}
SHARE = {"type": "object", "required": ["widgets"], "properties": {
    "widgets": {"type": "array", "items": {"type": "string", "enum": list(WIDGETS)}},
    "department_id": {"type": ["integer", "null"]}, "workgroup_id": {"type": ["integer", "null"]}}}
PATHS = {
    "/dashboard/layout": {
        "get": op("Your dashboard's widgets, in order", tag=TAG, response=LAYOUT),
        "put": op("Choose and order your dashboard's widgets", tag=TAG, body=LAYOUT, response=LAYOUT)},
    "/dashboard/layouts": {"post": op("Share a dashboard layout with a department or workgroup "
                                      "(administrators)", tag=TAG, status="201", body=SHARE, response=SHARE)},
    "/reports/funnel": {"get": op("The sales funnel over the records you may read", tag=TAG, params=Q,
                                  response=ref("Funnel"))},
    **{f"/reports/funnel.{fmt}": {"get": op(f"The sales funnel as {fmt.upper()}", tag=TAG, params=Q,
                                            media=media,
                                            response={"type": "string"})} for fmt, media in MEDIA.items()},
    "/reports": {
        "get": op("Your reports and those shared with you", tag=TAG, response={
            "type": "object", "properties": {"items": {"type": "array", "items": ref("SavedReport")}}}),
        "post": op("Save a report", tag=TAG, status="201", body=ref("SavedReportInput"),
                   response=ref("SavedReport"))},
    "/reports/{report_id}": {
        "patch": op("Change a report you own", tag=TAG, params=ID, body=ref("SavedReportInput"),
                    response=ref("SavedReport")),
        "delete": op("Delete a report you own", tag=TAG, params=ID, status="204")},
    "/reports/{report_id}/data": {"get": op("A report's figures over the records you may read", tag=TAG,
                                            params=ID, response=ref("ReportData"))},
}
register_paths(PATHS, schemas=SCHEMAS)
