"""Possible duplicates on the create form, the duplicates list and the merge page."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from crm.entities import Entity, record_title
from crm.serialize import emails_of
from crm.services.duplicates import duplicate_groups, duplicates_for_input
from crm.services.merge import MAX_RECORDS, merge_records
from crm.services.records import get_record
from errors import ValidationError
from extensions import db
from org.models import valid_id
from web.pages import pages
from web.pages.common import me
from web.pages.forms import record_values
from web.pages.records import ICONS, PLURAL, spec_for


def form_duplicates(spec: Entity, form: MultiDict) -> list[dict]:
    """Readable records sharing an e-mail, phone, company name (deal title) with a form's input."""
    def listed(name: str) -> str:
        return ",".join(form.get(name, "").replace("\r", "").split("\n"))[:2000]
    company = form.get("company_id")
    return duplicates_for_input(spec.name, actor=me(), email=listed("emails"), phone=listed("phones"),
                                title=form.get("title", "")[:255] if spec.name in ("company", "deal") else "",
                                company_id=company if valid_id(company) else None)


@pages.post(f"/{PLURAL}/new/duplicates")
def record_new_duplicates(plural: str):
    """The warning panel of the create form (htmx, while the person types)."""
    spec = spec_for(plural)
    found = form_duplicates(spec, request.form)
    return render_template("records/_duplicates.html", spec=spec, duplicates=found)


@pages.get(f"/{PLURAL}/duplicates")
def record_duplicates(plural: str):
    """Groups of readable records sharing a key, each with a link to merge them."""
    spec = spec_for(plural)
    groups = duplicate_groups(spec.name, actor=me())
    return render_template("records/duplicates.html", spec=spec, icon=ICONS[spec.name], groups=groups,
                           max_records=MAX_RECORDS)


def _merge_ids() -> list[int]:
    ids = [int(i) for i in request.values.getlist("ids") if valid_id(i)]
    return list(dict.fromkeys(ids))[:MAX_RECORDS]


@pages.route(f"/{PLURAL}/merge", methods=["GET", "POST"])
def record_merge(plural: str):
    """The records side by side with a radio per field; merging keeps the chosen values."""
    spec = spec_for(plural)
    ids = _merge_ids()
    if len(ids) < 2:
        flash("Choose two to five records to merge.", "warning")
        return redirect(url_for("pages.record_duplicates", plural=plural))
    error = None
    if request.method == "POST":
        survivor = request.form.get("survivor_id", "")
        fields = {f.name: request.form[f"field_{f.name}"] for f in spec.fields
                  if request.form.get(f"field_{f.name}")}
        try:
            merge_records(spec.name, survivor, ids, fields, actor=me())
        except ValidationError as exc:
            db.session.rollback()
            error = "; ".join(exc.fields.values()) or exc.message
        else:
            flash(f"Merged {len(ids)} {spec.plural} into #{survivor}.", "success")
            return redirect(url_for("pages.record_view", plural=plural, record_id=int(survivor)))
    records = [get_record(spec.name, i, actor=me()) for i in ids]
    return render_template("records/merge.html", spec=spec, icon=ICONS[spec.name], error=error,
                           records=records, titles={r.id: record_title(r) for r in records},
                           values={r.id: record_values(spec, r) for r in records},
                           emails=emails_of(spec.name, ids)), 422 if error else 200
