"""Company settings: the default currency record forms prefill (those who may change settings)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from crm.company_settings import company_settings, save_company_settings
from errors import ValidationError
from extensions import db
from web.pages import pages
from web.pages.common import me


@pages.get("/settings/company")
def company_settings_page():
    return render_template("settings/company.html", settings=company_settings(actor=me()), errors={})


@pages.post("/settings/company")
def company_settings_save():
    try:
        save_company_settings({"currency": request.form.get("currency", "")}, actor=me())
    except ValidationError as exc:
        db.session.rollback()
        return render_template("settings/company.html", settings=request.form, errors=exc.fields), 422
    flash("Company settings saved.", "success")
    return redirect(url_for("pages.company_settings_page"))
