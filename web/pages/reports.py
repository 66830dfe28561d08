"""Report pages: the sales funnel (chart, table, CSV/XLSX/PDF), reports of one's own."""
from __future__ import annotations

from flask import Response, redirect, render_template, request, url_for

from crm.entities import REGISTRY
from crm.reports import export
from crm.reports.custom import CHARTS, DATE_FIELDS, GROUP_KINDS, MEASURES, UNITS
from crm.reports.funnel import funnel
from crm.reports.saved import delete_report, get_report, list_reports, report_to_dict, run_saved, save_report
from crm.reports.scope import REPORT_ENTITIES, parse_period
from crm.services.pipelines import list_pipelines
from crm.states import FieldKind
from errors import ValidationError
from org.services.departments import list_departments
from org.services.users import list_users
from org.services.workgroups import list_workgroups
from web.pages import pages
from web.pages.common import me


def _funnel_data() -> dict:
    return funnel(request.args.get("entity", "deal"), parse_period(request.args), actor=me())


def funnel_chart(data: dict) -> dict:
    """Chart.js data: records and amount reaching each stage, then won."""
    labels = [s["name"] for s in data["stages"]] + ["Won"]
    counts = [s["count"] for s in data["stages"]] + [data["won"]["count"]]
    return {"type": "bar", "data": {"labels": labels, "datasets": [{"label": "Records", "data": counts}]},
            "options": {"indexAxis": "y"}}


@pages.get("/reports/funnel")
def report_funnel():
    try:
        data, error = _funnel_data(), None
    except ValidationError as exc:
        data, error = funnel("deal", parse_period({}), actor=me()), exc.fields
    return render_template("reports/funnel.html", data=data, chart=funnel_chart(data), error=error,
                           args=request.args, users=list_users(), departments=list_departments(),
                           pipelines=list_pipelines())


def _download(table: export.Table, fmt: str, name: str) -> Response:
    body, media = export.render(table, fmt)
    disposition = f'attachment; filename="{name}.{fmt}"'
    return Response(body, mimetype=media, headers={"Content-Disposition": disposition})


@pages.get("/reports/funnel/export.<fmt>")
def report_funnel_export(fmt: str):
    data = _funnel_data()
    return _download(export.funnel_table(data), fmt, f"{data['entity']}-funnel")


def _form_options() -> dict:
    fields = {e: [f.name for f in REGISTRY[e].fields if f.kind in GROUP_KINDS] + list(DATE_FIELDS)
              for e in REPORT_ENTITIES}
    numbers = {e: [f.name for f in REGISTRY[e].fields if f.kind == FieldKind.DECIMAL]
               for e in REPORT_ENTITIES}
    return {"entities": REPORT_ENTITIES, "fields": fields, "numbers": numbers, "units": UNITS,
            "measures": MEASURES, "charts": CHARTS, "departments": list_departments(),
            "workgroups": list_workgroups(actor=me())}


@pages.get("/reports")
def reports_home():
    return render_template("reports/list.html", reports=list_reports(actor=me()), me_id=me().id,
                           form={}, errors={}, **_form_options())


def _form_to_data(form: dict) -> dict:
    """The report form as save_report's input."""
    groups = []
    for i in ("1", "2"):
        name = form.get(f"group{i}", "")
        if name in DATE_FIELDS:
            groups.append({"field": name, "unit": form.get(f"unit{i}", "month")})
        elif name:
            groups.append(name)
    ids = lambda key: [int(v) for v in request.form.getlist(key) if v.isdigit()]  # noqa: E731
    measure = {"fn": form.get("measure", "count"), "field": form.get("measure_field") or None}
    spec = {"group_by": groups, "measure": measure, "chart": form.get("chart", "bar"),
            "from": form.get("from", ""), "to": form.get("to", "")}
    return {"name": form.get("name", ""), "entity": form.get("entity", ""), "spec": spec,
            "weekly": form.get("weekly") == "on",
            "share": {"department_ids": ids("department_ids"), "workgroup_ids": ids("workgroup_ids")}}


@pages.post("/reports")
def reports_save():
    try:
        report = save_report(_form_to_data(request.form), actor=me())
    except ValidationError as exc:
        return render_template("reports/list.html", reports=list_reports(actor=me()), me_id=me().id,
                               form=request.form, errors=exc.fields, **_form_options()), 422
    return redirect(url_for("pages.report_view", report_id=report.id))


def report_chart(data: dict, chart: str) -> dict:
    """Chart.js data: one dataset, or one per value of the second grouping."""
    rows = data["rows"]
    if len(data["columns"]) == 2:
        datasets = [{"label": data["columns"][-1], "data": [r[1] for r in rows]}]
        labels = [str(r[0]) for r in rows]
    else:
        labels = sorted({str(r[0]) for r in rows})
        series = sorted({str(r[1]) for r in rows})
        cell = {(str(r[0]), str(r[1])): r[2] for r in rows}
        datasets = [{"label": s, "data": [cell.get((x, s), 0) for x in labels]} for s in series]
    return {"type": chart if chart in ("bar", "line", "pie") else "bar",
            "data": {"labels": labels, "datasets": datasets}}


@pages.get("/reports/<int:report_id>")
def report_view(report_id: int):
    data = run_saved(report_id, actor=me())
    report = get_report(report_id, actor=me())
    return render_template("reports/view.html", report=report_to_dict(report), data=data,
                           chart=report_chart(data, report.spec.get("chart", "bar")),
                           mine=report.owner_id == me().id)


@pages.get("/reports/<int:report_id>/export.<fmt>")
def report_export(report_id: int, fmt: str):
    data = run_saved(report_id, actor=me())
    return _download(export.Table(data["name"], data["columns"], data["rows"]), fmt, f"report-{report_id}")


@pages.post("/reports/<int:report_id>/delete")
def report_delete(report_id: int):
    delete_report(report_id, actor=me())
    return redirect(url_for("pages.reports_home"))
