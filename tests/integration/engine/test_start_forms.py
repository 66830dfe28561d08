"""Start-event Camunda Forms: deployed beside the diagram (refused when missing), shown when a
person starts the process by hand from a record, checked on the server (422 naming the field,
conditional fields honoured), the instance started with the data; engine-rest's startForm,
deployed-start-form, submit-form and the task DTO's formKey / camundaFormRef; incident/count."""
from __future__ import annotations

import json

from sqlalchemy import insert

from crm.services.records import create_record
from engine.models import Incident, ProcessInstance
from engine.spiff_adapter import load, variables
from extensions import db
from tests.integration.engine.runtime_support import drive, open_tasks
from tests.integration.engine.test_camunda_forms import FORM, modeler_deploy, start

START_FORM = {"id": "order_start", "type": "default", "components": [
    {"type": "number", "key": "amount", "label": "Amount", "validate": {"required": True, "min": 1}},
    {"type": "textfield", "key": "reason", "label": "Reason", "validate": {"required": True},
     "conditional": {"hide": "=amount <= 1000"}},
    {"type": "textfield", "key": "memo", "label": "Memo", "conditional": {"hide": "=count(tags) > 0"}}]}
BPMN = (b'<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions '
        b'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        b'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" targetNamespace="http://flowdesk.test/bpmn">'
        b'<bpmn:process id="order" isExecutable="true">'
        b'<bpmn:startEvent id="Begin" camunda:formRef="order_start" camunda:initiator="starter" />'
        b'<bpmn:userTask id="Check" name="Check order" camunda:assignee="${starter}" '
        b'camunda:formKey="camunda-forms:deployment:invoice.form" />'
        b'<bpmn:endEvent id="Finish" />'
        b'<bpmn:sequenceFlow id="F1" sourceRef="Begin" targetRef="Check" />'
        b'<bpmn:sequenceFlow id="F2" sourceRef="Check" targetRef="Finish" />'
        b"</bpmn:process></bpmn:definitions>")


def web_for(app, admin):
    web = app.test_client()
    assert web.post("/login", data={"email": admin.email, "password": "Quiet-bay-42"}).status_code == 302
    with web.session_transaction() as session:
        session["admin_mode"] = admin.get_id()
    return web


INVOICE_FORM = ("invoice.form", json.dumps(FORM).encode())


def deploy_order(client, token: str) -> None:
    """The diagram and both forms, as Camunda Modeler deploys them."""
    uploaded = modeler_deploy(client, token, ("order.bpmn", BPMN),
                              ("order_start.form", json.dumps(START_FORM).encode()), INVOICE_FORM)
    assert uploaded.status_code == 200, uploaded.get_json()


def test_start_form_from_a_record_page(app, api, client, admin):
    invoice = INVOICE_FORM
    refused = modeler_deploy(client, api.token, ("order.bpmn", BPMN), invoice)
    assert refused.status_code == 400 and "Begin" in json.dumps(refused.get_json()), refused.get_json()
    assert "order_start" in json.dumps(refused.get_json())
    deploy_order(client, api.token)
    warnings = api.get("/processes/order").get_json().get("warnings", [])
    assert not [w for w in warnings if "form" in w["message"]], warnings
    [warning] = api.get("/forms/order_start").get_json()["warnings"]
    assert "'order_start'" in warning and "'memo'" in warning

    web = web_for(app, admin)
    lead = create_record("lead", {"title": "Big order"}, actor=admin).id
    db.session.commit()
    asked = web.post(f"/leads/{lead}/processes/start", data={"key": "order"})
    assert asked.status_code == 302 and asked.headers["Location"] == f"/leads/{lead}/processes/start/order"
    page = web.get(asked.headers["Location"]).get_data(as_text=True)
    assert 'id="fd-form-js"' in page and "form-viewer.js" in page and '"order_start"' in page
    url = f"/leads/{lead}/processes/start/order"
    for data, field in [({}, "amount"), ({"amount": 5000}, "reason"), ({"amount": 0}, "amount"),
                        ({"amount": 5, "other": 1}, "other")]:
        resp = web.post(url, json={"data": data})
        assert resp.status_code == 422 and field in resp.get_json()["fields"], (data, resp.get_json())
    assert db.session.query(ProcessInstance).count() == 0
    # reason is hidden (amount <= 1000): not required, and what was sent for it is dropped
    done = web.post(url, json={"data": {"amount": 700, "reason": "stale", "memo": "m"}})
    assert done.status_code == 200 and done.get_json()["redirect"] == f"/leads/{lead}#processes"
    drive()
    instance = db.session.query(ProcessInstance).one()
    got = variables(load(instance))
    assert (instance.entity, instance.entity_id, got["amount"], got["memo"]) == ("lead", lead, 700, "m")
    assert "reason" not in got


def test_start_form_from_the_process_page(app, api, client, admin):
    deploy_order(client, api.token)
    web = web_for(app, admin)
    assert 'id="start-with-form"' in web.get("/processes/order").get_data(as_text=True)
    page = web.get("/processes/order/start").get_data(as_text=True)
    assert 'data-submit-url="/processes/order/start"' in page and '"order_start"' in page
    refused = web.post("/processes/order/start", json={"data": {"amount": 1001}})
    assert refused.status_code == 422 and set(refused.get_json()["fields"]) == {"reason"}
    done = web.post("/processes/order/start", json={"data": {"amount": 1001, "reason": "r"}})
    instance = db.session.query(ProcessInstance).one()
    assert done.status_code == 200 and done.get_json()["redirect"] == f"/processes/instances/{instance.id}"
    assert (instance.entity_id, variables(load(instance))["reason"]) == (None, "r")
    assert web.get("/processes/invoice/start").status_code == 404  # no process, or no start form


def test_start_form_over_engine_rest_and_the_task_form_key(api, client):
    deploy_order(client, api.token)
    rest = {"Authorization": f"Bearer {api.token}"}
    assert client.get("/engine-rest/process-definition/key/order/startForm", headers=rest).get_json() == {
        "key": None, "contextPath": None, "camundaFormRef": {"key": "order_start", "binding": "latest",
                                                             "version": None}}
    assert client.get("/engine-rest/process-definition/key/order/deployed-start-form",
                      headers=rest).get_json() == START_FORM
    bad = client.post("/engine-rest/process-definition/key/order/submit-form", headers=rest,
                      json={"variables": {"amount": {"value": 2000, "type": "Integer"}}})
    assert bad.status_code == 400 and "reason" in bad.get_json()["message"], bad.get_json()
    ok = client.post("/engine-rest/process-definition/key/order/submit-form", headers=rest, json={
        "variables": {"amount": {"value": 2000, "type": "Integer"}, "reason": {"value": "big"}}})
    assert ok.status_code == 200, ok.get_json()
    started = db.session.get(ProcessInstance, int(ok.get_json()["id"]))
    assert variables(load(started))["reason"] == "big"
    [task] = open_tasks(started.id)
    dto = client.get(f"/engine-rest/task/{task.id}", headers=rest).get_json()
    assert (dto["formKey"], dto["camundaFormRef"]) == ("camunda-forms:deployment:invoice.form", None)
    listed = client.get("/engine-rest/task", headers=rest, query_string={"processInstanceId": started.id})
    assert listed.get_json()[0]["formKey"] == "camunda-forms:deployment:invoice.form"


def test_task_form_ref_dto_and_incident_count_in_sql(api, client):
    from tests.integration.engine.test_camunda_forms import INVOICE

    assert modeler_deploy(client, api.token, ("invoice.bpmn", INVOICE),
                          ("invoice.form", json.dumps(FORM).encode())).status_code == 200
    instance_id = start(client, api.token, "invoice")
    [task] = open_tasks(instance_id)
    rest = {"Authorization": f"Bearer {api.token}"}
    dto = client.get(f"/engine-rest/task/{task.id}", headers=rest).get_json()
    assert (dto["formKey"], dto["camundaFormRef"]) == (None, {"key": "invoice_form", "binding": "deployment",
                                                               "version": None})
    instance = db.session.get(ProcessInstance, instance_id)
    # more than the 10 000 an in-memory count stopped at
    db.session.execute(insert(Incident), [
        {"instance_id": instance_id, "definition_id": instance.version.definition_id, "kind": "failedJob",
         "element_id": "Approve" if n % 2 else "Other", "message": "boom", "status": "open"}
        for n in range(10_002)])
    db.session.commit()
    count = client.get("/engine-rest/incident/count", headers=rest,
                       query_string={"processDefinitionKey": "invoice", "activityId": "Approve"}).get_json()
    assert count == {"count": 5001}
    assert client.get("/engine-rest/incident/count", headers=rest).get_json() == {"count": 10_002}
    first = client.get("/engine-rest/incident", headers=rest, query_string={"maxResults": 1}).get_json()[0]
    assert client.get("/engine-rest/incident/count", headers=rest,
                      query_string={"incidentId": first["id"]}).get_json() == {"count": 1}
