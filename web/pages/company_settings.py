"""Company settings: the default currency record forms prefill and the company time zone (those who
may change settings)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from crm.company_settings import FIELDS, company_settings, save_company_settings
from errors import ValidationError
from extensions import db
from web.pages import pages
from web.pages.common import me
from web.pages.zones import zone_choices


@pages.get("/settings/company")
def company_settings_page():
    return render_template("settings/company.html", settings=company_settings(actor=me()), errors={},
                           zones=zone_choices())


@pages.post("/settings/company")
def company_settings_save():
    try:
        save_company_settings({k: request.form.get(k, "") for k in FIELDS}, actor=me())
    except ValidationError as exc:
        db.session.rollback()
        return render_template("settings/company.html", settings=request.form, errors=exc.fields,
                               zones=zone_choices()), 422
    flash("Company settings saved.", "success")
    return redirect(url_for("pages.company_settings_page"))
