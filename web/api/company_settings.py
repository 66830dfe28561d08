"""The company settings (those who may change settings): the default currency and the company time
zone people without a zone of their own see dates in."""
from __future__ import annotations

from flask import g, jsonify

from crm.company_settings import company_settings, save_company_settings
from web.api import api, json_body
from web.api.openapi import op, ref, register_paths


@api.get("/settings/company")
def get_company_settings():
    return jsonify(company_settings(actor=g.actor))


@api.put("/settings/company")
def put_company_settings():
    return jsonify(save_company_settings(json_body(), actor=g.actor))


def _docs() -> None:
    fields = {
        "currency": {"type": "string", "description": (
            "Three-letter code new leads and deals start with; \"\": none")},
        "time_zone": {"type": "string", "description": (
            "IANA zone (e.g. Europe/Berlin) dates show in for people without a profile zone; \"\": UTC")}}
    shown = {"type": "object", "additionalProperties": False, "required": list(fields), "properties": fields}
    given = {"type": "object", "additionalProperties": False, "properties": fields}
    register_paths({"/settings/company": {
        "get": op("Company settings (those who may change settings)", tag="Settings",
                  operation_id="get_company_settings", response=ref("CompanySettings"),
                  errors=("401", "403")),
        "put": op("Change the company settings (the fields given)", tag="Settings",
                  operation_id="put_company_settings", body=ref("CompanySettingsInput"),
                  response=ref("CompanySettings"), errors=("401", "403", "422"))}},
        schemas={"CompanySettings": shown, "CompanySettingsInput": given})


_docs()
