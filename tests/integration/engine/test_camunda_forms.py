"""Camunda Forms end to end: a .bpmn and a .form deployed as Camunda Modeler does, the task's
form-js schema in the inbox and on /engine-rest, data checked on the server (422 naming the
field), valid data completing the task into the process variables."""
from __future__ import annotations

import json
from io import BytesIO

from engine.models import ProcessInstance
from engine.spiff_adapter import load, variables
from extensions import db
from tests.integration.engine.runtime_support import drive, open_tasks

FORM = {
    "id": "invoice_form", "type": "default", "schemaVersion": 16, "components": [
        {"type": "textfield", "key": "creditor", "label": "Creditor",
         "validate": {"required": True, "minLength": 2, "maxLength": 40}},
        {"type": "number", "key": "amount", "label": "Amount", "validate": {"min": 1, "max": 10000}},
        {"type": "select", "key": "category", "label": "Category", "values": [
            {"label": "Travel", "value": "travel"}, {"label": "Office", "value": "office"}]},
        {"type": "textfield", "key": "ref", "label": "Reference", "validate": {"pattern": "INV-[0-9]+"}},
        {"type": "textfield", "key": "clerk", "label": "Clerk", "readonly": True},
        {"type": "checkbox", "key": "approved", "label": "Approved"},
        {"type": "button", "action": "submit", "label": "Submit"}]}


def diagram(key: str, attrs: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions '
        'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" targetNamespace="http://flowdesk.test/bpmn">'
        f'<bpmn:process id="{key}" isExecutable="true">'
        '<bpmn:startEvent id="Begin" camunda:initiator="starter" />'
        f'<bpmn:userTask id="Approve" name="Approve invoice" camunda:assignee="${{starter}}" {attrs} />'
        '<bpmn:endEvent id="Finish" />'
        '<bpmn:sequenceFlow id="F1" sourceRef="Begin" targetRef="Approve" />'
        '<bpmn:sequenceFlow id="F2" sourceRef="Approve" targetRef="Finish" />'
        "</bpmn:process></bpmn:definitions>").encode()


INVOICE = diagram("invoice", 'camunda:formRef="invoice_form" camunda:formRefBinding="deployment"')


def modeler_deploy(client, token: str, *files: tuple[str, bytes]):
    """The multipart request Camunda Modeler's Deploy button sends."""
    data = {"deployment-name": "invoice", "deployment-source": "Camunda Modeler",
            **{name: (BytesIO(content), name) for name, content in files}}
    return client.post("/engine-rest/deployment/create", data=data, content_type="multipart/form-data",
                       headers={"Authorization": f"Bearer {token}"})


def start(client, token: str, key: str) -> int:
    resp = client.post(f"/engine-rest/process-definition/key/{key}/start", headers={
        "Authorization": f"Bearer {token}"}, json={"variables": {
            "creditor": {"value": "Acme", "type": "String"}, "clerk": {"value": "Jo", "type": "String"}}})
    assert resp.status_code == 200, resp.get_json()
    drive()
    return int(resp.get_json()["id"])


def test_deploy_show_check_and_complete_a_camunda_form(api, client):
    refused = modeler_deploy(client, api.token, ("invoice.bpmn", INVOICE))
    assert refused.status_code == 400 and "Approve" in json.dumps(refused.get_json()), refused.get_json()
    assert "invoice_form" in json.dumps(refused.get_json())
    answer = modeler_deploy(client, api.token, ("invoice.bpmn", INVOICE),
                            ("invoice.form", json.dumps(FORM).encode()))
    assert answer.status_code == 200, answer.get_json()
    assert api.get("/forms/invoice_form").get_json()["deployment_id"] == int(answer.get_json()["id"])
    [task] = open_tasks(start(client, api.token, "invoice"))

    shown = api.get(f"/inbox/{task.id}").get_json()["camunda_form"]
    assert (shown["key"], shown["version"], shown["schema"]) == ("invoice_form", 1, FORM)
    assert shown["data"] == {"creditor": "Acme", "clerk": "Jo"}
    rest = {"Authorization": f"Bearer {api.token}"}
    assert client.get(f"/engine-rest/task/{task.id}/deployed-form", headers=rest).get_json() == FORM
    assert client.get(f"/engine-rest/task/{task.id}/form", headers=rest).get_json()["key"] == (
        "camunda-forms:deployment:invoice_form.form")

    for data, field in [({"creditor": ""}, "creditor"), ({"creditor": "A"}, "creditor"),
                        ({"creditor": "Acme", "amount": 20000}, "amount"),
                        ({"creditor": "Acme", "amount": "12"}, "amount"),
                        ({"creditor": "Acme", "category": "food"}, "category"),
                        ({"creditor": "Acme", "ref": "X-1"}, "ref"),
                        ({"creditor": "Acme", "clerk": "Mallory"}, "clerk"),
                        ({"creditor": "Acme", "approved": "yes"}, "approved"),
                        ({"creditor": "Acme", "salary": 1}, "salary")]:
        resp = api.post(f"/inbox/{task.id}/complete", {"data": data})
        assert resp.status_code == 422 and field in resp.get_json()["fields"], (data, resp.get_json())
    done = api.post(f"/inbox/{task.id}/complete", {"data": {
        "creditor": "Acme Ltd", "amount": 120.5, "category": "travel", "ref": "INV-7", "clerk": "Jo",
        "approved": True}})
    assert done.status_code == 200, done.get_json()
    drive()
    instance = db.session.get(ProcessInstance, task.instance_id)
    db.session.refresh(instance)
    assert instance.status == "completed"
    got = variables(load(instance))
    assert {k: got[k] for k in ("creditor", "amount", "category", "ref", "clerk", "approved")} == {
        "creditor": "Acme Ltd", "amount": 120.5, "category": "travel", "ref": "INV-7", "clerk": "Jo",
        "approved": True}


def test_form_key_resolves_by_file_name_and_bad_forms_name_the_component(api, client):
    bad = dict(FORM, components=[{"type": "textfield", "label": "No key", "id": "Field_1"}])
    refused = api.post("/forms", data={"file": (BytesIO(json.dumps(bad).encode()), "bad.form")},
                       content_type="multipart/form-data")
    assert refused.status_code == 422 and "Field_1" in json.dumps(refused.get_json())
    no_id = modeler_deploy(client, api.token, ("x.form", b'{"components": []}'))
    assert no_id.status_code == 400 and "x.form" in json.dumps(no_id.get_json())
    keyed = diagram("keyed", 'camunda:formKey="camunda-forms:deployment:invoice.form"')
    draft = api.post("/process-drafts", data={"file": (BytesIO(keyed), "keyed.bpmn")},
                     content_type="multipart/form-data").get_json()  # listed before publishing too
    assert draft["publishable"] is False and draft["problems"][0]["element"] == "Approve"
    assert modeler_deploy(client, api.token, ("invoice.form", json.dumps(FORM).encode())).status_code == 200
    resp = modeler_deploy(client, api.token, ("keyed.bpmn", keyed))
    assert resp.status_code == 200, resp.get_json()
    assert not [w for w in api.get("/processes/keyed").get_json().get("warnings", [])
                if "form" in w["message"]]
    [task] = open_tasks(start(client, api.token, "keyed"))
    assert api.get(f"/inbox/{task.id}").get_json()["camunda_form"]["key"] == "invoice_form"


def test_designer_pages_and_the_inbox_page_json_submit(app, api, client, admin):
    web = app.test_client()
    assert web.post("/login", data={"email": admin.email, "password": "Quiet-bay-42"}).status_code == 302
    with web.session_transaction() as session:
        session["admin_mode"] = admin.get_id()
    upload = web.post("/forms/upload", content_type="multipart/form-data",
                      data={"file": (BytesIO(json.dumps(FORM).encode()), "invoice.form")})
    assert upload.status_code == 302
    listed = web.get("/forms").get_data(as_text=True)
    assert 'data-form="invoice_form"' in listed and "invoice.form" in listed
    assert web.get("/forms/new").status_code == 200
    assert 'data-schema-url="/forms/invoice_form/schema?version=1"' in web.get(
        "/forms/invoice_form/edit").get_data(as_text=True)
    changed = BytesIO(json.dumps(dict(FORM, type="x")).encode())
    saved = web.post("/forms/deploy", data={"file": (changed, "invoice_form.form")},
                     content_type="multipart/form-data")
    assert saved.status_code == 201 and saved.get_json()["items"][0]["version"] == 2
    bad = web.post("/forms/deploy", data={"file": (BytesIO(b"{}"), "x.form")},
                   content_type="multipart/form-data")
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["element"] == "x.form"

    assert modeler_deploy(client, api.token, ("invoice.bpmn", INVOICE)).status_code == 200
    [task] = open_tasks(start(client, api.token, "invoice"))
    page = web.get(f"/inbox/{task.id}").get_data(as_text=True)
    assert 'id="fd-form-js"' in page and "form-viewer.js" in page and '"invoice_form"' in page
    refused = web.post(f"/inbox/{task.id}/form", json={"data": {"creditor": "A"}})
    assert refused.status_code == 422 and "creditor" in refused.get_json()["fields"]
    done = web.post(f"/inbox/{task.id}/form", json={"data": {"creditor": "Acme", "clerk": "Jo"}})
    assert done.status_code == 200 and done.get_json()["redirect"] == "/inbox"
