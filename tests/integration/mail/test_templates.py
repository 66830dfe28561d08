"""Mail templates: CRUD, placeholders rendered in the sandbox, escape attempts refused, preview."""
from __future__ import annotations

import pytest

from extensions import db
from mail.models import MailTemplate
from tests.integration.mail.conftest import make

ESCAPES = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ contact.__class__ }}",
    "{{ contact['__class__'] }}",
    "{{ contact|attr('__class__') }}",
    "{{ '{0.__class__}'.format(contact) }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ lipsum.__globals__ }}",
    "{{ self._TemplateReference__context }}",
    "{{ namespace() }}",
    "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
    "{% import 'os' as os %}",
    "{% include '/etc/passwd' %}",
    "{% extends '/etc/passwd' %}",
    "{% macro x() %}{% endmacro %}",
    "{{ 'a' * 100000000 }}",
    "{{ range(100000) }}",
    "{{ contact.first_name.upper() }}",
    "{{ x|map(attribute='__class__')|list }}",
    "{{ unclosed",
]


def test_templates_crud_and_rights(api, api_for, make_user):
    body = "Dear {{ contact.first_name }},\n\n{{ user.full_name }}\n"
    created = api.post("/mail/templates", {"name": "Welcome", "subject": "Hello {{ contact.first_name }}",
                                           "body": body})
    assert created.status_code == 201, created.json
    tid = created.json["id"]
    assert api.get(f"/mail/templates/{tid}").json["body"] == body
    assert api.post("/mail/templates", {"name": "Welcome", "subject": "x"}).json["fields"] == {
        "name": "Another template has this name"}
    assert api.post("/mail/templates", {"subject": "x"}).json["fields"] == {"name": "This field is required"}
    user_api = api_for(make_user())
    assert [t["name"] for t in user_api.get("/mail/templates").json["items"]] == ["Welcome"]
    assert user_api.post("/mail/templates", {"name": "Mine", "subject": "x"}).status_code == 403
    assert user_api.patch(f"/mail/templates/{tid}", {"subject": "x"}).status_code == 403
    changed = api.patch(f"/mail/templates/{tid}", {"subject": "Hi {{ contact.first_name }}"})
    assert changed.json["subject"] == "Hi {{ contact.first_name }}" and changed.json["name"] == "Welcome"
    assert api.delete(f"/mail/templates/{tid}").status_code == 204
    assert api.get(f"/mail/templates/{tid}").status_code == 404


@pytest.mark.parametrize("attempt", ESCAPES)
def test_sandbox_escapes_are_refused_at_save(api, attempt):
    for field in ("subject", "body"):
        r = api.post("/mail/templates", {"name": "Evil", "subject": "ok", "body": "ok", field: attempt})
        assert r.status_code == 422, (field, attempt, r.json)
        assert field in r.json["fields"]
    assert db.session.query(MailTemplate).count() == 0


def test_an_unsafe_template_stored_before_is_refused_when_rendered(api, admin):
    contact = make("contact", admin, first_name="Ann", last_name="Lee")
    row = MailTemplate(name="Old", subject="x", body="{{ contact.first_name.__class__.__mro__ }}")
    db.session.add(row)
    db.session.commit()
    r = api.post(f"/mail/templates/{row.id}/preview", {"entity": "contact", "id": contact.id})
    assert r.status_code == 422 and "Not allowed" in r.json["fields"]["body"]
    row.body = "{{ contact.first_name.upper }}"  # passes the parse check, refused by the sandbox
    db.session.commit()
    r = api.post(f"/mail/templates/{row.id}/preview", {"entity": "contact", "id": contact.id})
    assert r.status_code == 422 and "is not allowed" in r.json["fields"]["body"]


def test_preview_renders_record_and_sender_fields(api, admin, api_for, make_user):
    company = make("company", admin, title="Acme", emails=["info@acme.test"])
    contact = make("contact", admin, first_name="Ann", last_name="Lee", emails=["ann@acme.test"],
                   company_id=company.id)
    deal = make("deal", admin, title="Rollout", contact_id=contact.id)
    tid = api.post("/mail/templates", {
        "name": "Offer", "subject": "{{ deal.title }} for {{ contact.first_name }}",
        "body": "Hi {{ contact.first_name }} at {{ company.title }}{% if deal.title %}, about "
                "{{ deal.title|upper }}{% endif %}. {{ nothing.here }}-- {{ user.full_name }}"}).json["id"]
    as_deal = api.post(f"/mail/templates/{tid}/preview", {"entity": "deal", "id": deal.id}).json
    assert as_deal == {"subject": "Rollout for Ann", "body": "Hi Ann at , about ROLLOUT. -- Ada Admin",
                       "to": ["ann@acme.test"]}
    as_contact = api.post(f"/mail/templates/{tid}/preview", {"entity": "contact", "id": contact.id}).json
    assert as_contact["subject"] == "for Ann" and as_contact["body"] == "Hi Ann at Acme. -- Ada Admin"
    lead = make("lead", admin, title="L", first_name="Bo", company_name="Bo & Co")
    unsaved = api.post("/mail/templates/preview", {
        "entity": "lead", "id": lead.id, "subject": "{{ lead.title }}",
        "body": "{{ contact.first_name }} / {{ company.title }}{{ config }}{{ request.environ }}"}).json
    assert unsaved == {"subject": "L", "body": "Bo / Bo & Co", "to": []}
    stranger = api_for(make_user())  # may not read the admin's records
    hidden = stranger.post(f"/mail/templates/{tid}/preview", {"entity": "deal", "id": deal.id})
    assert hidden.status_code == 404
    assert api.post(f"/mail/templates/{tid}/preview", {"entity": "task", "id": 1}).status_code == 422
