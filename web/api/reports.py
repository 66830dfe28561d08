"""Reports: the sales funnel (JSON, CSV, XLSX, PDF), saved reports and their figures."""
from __future__ import annotations

from flask import Response, g, jsonify, request

from crm.reports import export
from crm.reports.funnel import funnel
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


from web.api import reports_docs  # noqa: E402,F401  (the OpenAPI description)
