"""The HTTP setting (administrators): the hosts the http.request activity may call, and named
secrets (API tokens) a diagram refers to by name (`{{ secrets.CRM_TOKEN }}`), encrypted at rest
and never shown back."""
from __future__ import annotations

import re

import netguard
from errors import ValidationError
from extensions import db
from org import admin as admin_rules
from org.actors import Actor
from org.settings import MAX_ENTRIES, SiteSetting, store_setting
from secrets_box import SecretBox

HTTP = "http"
SECRET_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
MAX_SECRET = 4000
BOX = SecretBox(b"flowdesk-http-secrets", b"http.request secrets", "HTTP secret")


def _data() -> dict:
    row = db.session.get(SiteSetting, HTTP)
    return dict(row.data or {}) if row is not None else {}


def allowed_hosts() -> list[str]:
    """Host names (or `*.example.com` patterns) the http.request activity may call."""
    return list(_data().get("allowed_hosts", []))


def host_allowed(host: str) -> bool:
    """Whether `host` is on the allow-list (exactly, or under a `*.domain` entry)."""
    host = host.lower().rstrip(".")
    for entry in allowed_hosts():
        if entry == host or (entry.startswith("*.") and host.endswith(entry[1:])):
            return True
    return False


def secret_value(name: str) -> str | None:
    """The plain text of a named secret, None when there is no such secret."""
    token = _data().get("secrets", {}).get(name)
    return BOX.decrypt(token) if token else None


def secret_names() -> list[str]:
    """The names of the stored secrets (their values are never shown)."""
    return sorted(_data().get("secrets", {}))


def http_settings(*, actor: Actor | None) -> dict:
    """The allow-list and the secrets' names, for administrators."""
    admin_rules.require_admin(actor)
    return {"allowed_hosts": allowed_hosts(), "secrets": secret_names()}


def save_http_settings(data: object, *, actor: Actor | None) -> dict:
    """Replace the allow-list when given; set (text) or delete (null) the named secrets given."""
    admin_rules.require_admin(actor)
    if not isinstance(data, dict):
        raise ValidationError("Expected a JSON object")
    errors = {k: "Unknown field" for k in data if k not in ("allowed_hosts", "secrets")}
    stored = _data()
    hosts = data.get("allowed_hosts", stored.get("allowed_hosts", []))
    if not isinstance(hosts, list) or not all(isinstance(h, str) for h in hosts) or len(hosts) > MAX_ENTRIES:
        errors["allowed_hosts"] = f"Expected a list of at most {MAX_ENTRIES} host names"
    else:
        hosts = netguard.parse_entries(hosts)
        bad = [h for h in hosts if netguard.entry_error(h.removeprefix("*.")) or "/" in h]
        if bad:
            errors["allowed_hosts"] = f"{bad[0]!r} is not a host name such as api.example.com, *.example.com"
    secrets = dict(stored.get("secrets", {}))
    _apply_secrets(data.get("secrets", {}), secrets, errors)
    if errors:
        raise ValidationError.from_fields(errors)
    before = {"allowed_hosts": stored.get("allowed_hosts", []), "secrets": sorted(stored.get("secrets", {}))}
    store_setting(HTTP, {"allowed_hosts": list(dict.fromkeys(hosts)), "secrets": secrets}, actor, before)
    return http_settings(actor=actor)


def _apply_secrets(given: object, secrets: dict, errors: dict) -> None:
    if not isinstance(given, dict):
        errors["secrets"] = "Expected an object of secret names to texts (null deletes)"
        return
    for name, value in given.items():
        if not SECRET_NAME.match(str(name)):
            errors["secrets"] = f"{name!r}: a name of letters, digits and _ (such as CRM_TOKEN)"
        elif value is None:
            secrets.pop(name, None)
        elif not isinstance(value, str) or not value or len(value) > MAX_SECRET:
            errors["secrets"] = f"{name}: expected a text of 1 to {MAX_SECRET} characters"
        else:
            secrets[name] = BOX.encrypt(value)
