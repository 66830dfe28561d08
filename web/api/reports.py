"""Reports: the sales funnel (JSON, CSV, XLSX, PDF), saved reports and their figures."""
from __future__ import annotations

from flask import Response, g, jsonify, request

from crm.reports import export
from crm.reports.funnel import funnel
from crm.reports.layouts import layout_for, save_my_layout, share_layout
from crm.reports.saved import delete_report, list_reports, report_to_dict, run_saved, save_report
from crm.reports.scope import parse_period
from web.api import api, json_body


def funnel_data() -> dict:
    """The funnel for the query string (entity, from, to, responsible_id, department_id)."""
    return funnel(request.args.get("entity", "deal"), parse_period(request.args), actor=g.actor)


@api.get("/reports/funnel")
def report_funnel():
    return jsonify(funnel_data())


def _export_funnel(fmt: str) -> Response:
    data = funnel_data()
    body, media = export.render(export.funnel_table(data), fmt)
    return Response(body, mimetype=media, headers={
        "Content-Disposition": f'attachment; filename="{data["entity"]}-funnel.{fmt}"'})


for _fmt in export.MEDIA:
    api.add_url_rule(f"/reports/funnel.{_fmt}", f"report_funnel_{_fmt}",
                     lambda fmt=_fmt: _export_funnel(fmt), methods=["GET"])


@api.get("/reports")
def reports_list():
    return jsonify({"items": [report_to_dict(r) for r in list_reports(actor=g.actor)]})


@api.post("/reports")
def report_create():
    return jsonify(report_to_dict(save_report(json_body(), actor=g.actor))), 201


@api.patch("/reports/<int:report_id>")
def report_update(report_id: int):
    return jsonify(report_to_dict(save_report(json_body(), actor=g.actor, report_id=report_id)))


@api.delete("/reports/<int:report_id>")
def report_delete(report_id: int):
    delete_report(report_id, actor=g.actor)
    return "", 204


@api.get("/reports/<int:report_id>/data")
def report_data(report_id: int):
    return jsonify(run_saved(report_id, actor=g.actor))


@api.get("/dashboard/layout")
def dashboard_layout():
    widgets, source = layout_for(g.actor)
    return jsonify({"widgets": widgets, "source": source})


@api.put("/dashboard/layout")
def dashboard_layout_save():
    row = save_my_layout(json_body().get("widgets"), actor=g.actor)
    return jsonify({"widgets": row.widgets, "source": "mine"})


@api.post("/dashboard/layouts")
def dashboard_layout_share():
    """An administrator shares a layout with a department or a workgroup."""
    body = json_body()
    ids = {k: body.get(k) if isinstance(body.get(k), int) and not isinstance(body.get(k), bool) else None
           for k in ("department_id", "workgroup_id")}
    row = share_layout(body.get("widgets"), actor=g.actor, **ids)
    return jsonify({"widgets": row.widgets, **ids}), 201


from web.api import reports_docs  # noqa: E402,F401  (the OpenAPI description)
