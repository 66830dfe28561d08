"""Camunda 7 generated forms through the API and the inbox page (Camunda's "Generated Task Forms").

Every camunda:formField type (string, long, boolean, date, enum), every camunda:validation
constraint (required, minlength, maxlength, min, max, readonly), defaults written as
expressions, and camunda:properties: the inbox shows them and completion checks them on the
server, answering 422 with the fields at fault.
"""
from __future__ import annotations

from engine.models import ProcessInstance
from extensions import db
from tests.integration.engine.runtime_support import create_lead, deploy, drive, open_tasks

FIELDS = (
    '<camunda:formField id="customer" label="Customer" type="string" defaultValue="${record.title}">'
    '<camunda:properties><camunda:property id="placeholder" value="Who orders" />'
    '<camunda:property id="help" value="As written on the order" /></camunda:properties>'
    '<camunda:validation><camunda:constraint name="required" />'
    '<camunda:constraint name="minlength" config="2" /><camunda:constraint name="maxlength" config="20" />'
    "</camunda:validation></camunda:formField>"
    '<camunda:formField id="amount" label="Amount" type="long" defaultValue="${3 * 5}">'
    '<camunda:validation><camunda:constraint name="min" config="1" />'
    '<camunda:constraint name="max" config="100" /></camunda:validation></camunda:formField>'
    '<camunda:formField id="urgent" label="Urgent" type="boolean" defaultValue="${true}" />'
    '<camunda:formField id="deliver" label="Deliver on" type="date" defaultValue="2025-06-01">'
    '<camunda:validation><camunda:constraint name="min" config="2025-01-01" />'
    '<camunda:constraint name="max" config="2025-12-31" /></camunda:validation></camunda:formField>'
    '<camunda:formField id="size" label="Size" type="enum" defaultValue="m">'
    '<camunda:value id="s" name="Small" /><camunda:value id="m" name="Medium" />'
    '<camunda:value id="xl" name="Extra large" />'
    '<camunda:validation><camunda:constraint name="maxlength" config="1" /></camunda:validation>'
    "</camunda:formField>"
    '<camunda:formField id="ref" label="Reference" type="string" defaultValue="R-${record.id}">'
    '<camunda:validation><camunda:constraint name="readonly" /></camunda:validation></camunda:formField>'
    '<camunda:formField id="note" label="Note" />'
)
DIAGRAM = (
    '<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions '
    'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" targetNamespace="http://flowdesk.test/bpmn">'
    '<bpmn:process id="order_form" isExecutable="true"><bpmn:startEvent id="Begin" />'
    '<bpmn:userTask id="Order" name="Take the order" camunda:assignee="${initiator}" '
    'camunda:formKey="embedded:app:forms/order.html"><bpmn:extensionElements><camunda:formData>'
    f"{FIELDS}</camunda:formData></bpmn:extensionElements></bpmn:userTask>"
    '<bpmn:endEvent id="Finish" />'
    '<bpmn:sequenceFlow id="F1" sourceRef="Begin" targetRef="Order" />'
    '<bpmn:sequenceFlow id="F2" sourceRef="Order" targetRef="Finish" />'
    "</bpmn:process></bpmn:definitions>"
).encode()


def started(api):
    version = deploy(api, DIAGRAM)
    lead = create_lead(api, "Acme")
    resp = api.post("/processes/order_form/start", {"entity": "lead", "id": lead["id"]})
    assert resp.status_code == 201, resp.get_json()
    drive()
    [task] = open_tasks(resp.get_json()["id"])
    return version, lead, task


def test_form_key_is_a_warning_and_the_generated_form_has_every_field(api):
    version, lead, task = started(api)
    assert [w for w in version["warnings"] if w["element"] == "Order" and "formKey" in w["message"]]
    assert any("'note' has no type" in w["message"] for w in version["warnings"])
    form = {f["id"]: f for f in api.get(f"/inbox/{task.id}").get_json()["form"]}
    assert list(form) == ["customer", "amount", "urgent", "deliver", "size", "ref", "note"]
    assert {k: form[k]["type"] for k in form} == {
        "customer": "string", "amount": "long", "urgent": "boolean", "deliver": "date",
        "size": "enum", "ref": "string", "note": "string"}
    assert {k: form[k]["default"] for k in form} == {
        "customer": "Acme", "amount": 15, "urgent": True, "deliver": "2025-06-01", "size": "m",
        "ref": f"R-{lead['id']}", "note": None}
    assert form["customer"]["required"] and form["customer"]["minlength"] == "2"
    assert form["customer"]["properties"] == {"placeholder": "Who orders", "help": "As written on the order"}
    assert (form["amount"]["min"], form["amount"]["max"]) == ("1", "100")
    assert (form["deliver"]["min"], form["deliver"]["max"]) == ("2025-01-01", "2025-12-31")
    assert [o["id"] for o in form["size"]["options"]] == ["s", "m", "xl"]
    assert form["ref"]["readonly"] is True


def test_completion_is_checked_on_the_server_naming_each_field(api):
    _version, lead, task = started(api)
    bad = api.post(f"/inbox/{task.id}/complete", {"data": {
        "customer": "A", "amount": 101, "urgent": "perhaps", "deliver": "2026-01-01", "size": "xl",
        "ref": "R-other"}})
    assert bad.status_code == 422
    fields = bad.get_json()["fields"]
    assert set(fields) == {"customer", "amount", "urgent", "deliver", "size", "ref"}, fields
    missing = api.post(f"/inbox/{task.id}/complete", {"data": {"customer": "", "amount": 0}})
    assert set(missing.get_json()["fields"]) == {"customer", "amount"}
    assert "required" in missing.get_json()["fields"]["customer"]
    long = api.post(f"/inbox/{task.id}/complete", {"data": {"customer": "x" * 21}})
    assert set(long.get_json()["fields"]) == {"customer"}

    done = api.post(f"/inbox/{task.id}/complete", {"data": {
        "customer": "Acme Ltd", "amount": "42", "urgent": "false", "deliver": "31/12/2025", "size": "s",
        "note": "ring twice"}})
    assert done.status_code == 200, done.get_json()
    drive()
    db.session.expire_all()
    instance = db.session.get(ProcessInstance, task.instance_id)
    assert instance.status == "completed"
    variables = api.get(f"/process-instances/{instance.id}").get_json()["variables"]
    assert {k: variables[k] for k in ("customer", "amount", "urgent", "deliver", "size", "ref", "note")} == {
        "customer": "Acme Ltd", "amount": 42, "urgent": False, "deliver": "2025-12-31", "size": "s",
        "ref": f"R-{lead['id']}", "note": "ring twice"}


def test_the_inbox_page_renders_types_constraints_and_properties(api, app, admin):
    from tests.integration.process_pages_support import Browser

    _version, _lead, task = started(api)
    html = Browser(app, admin).get(f"/inbox/{task.id}").get_data(as_text=True)
    assert 'placeholder="Who orders"' in html and "As written on the order" in html
    assert 'type="number" step="1" id="tf-amount" name="amount" value="15"' in html
    assert 'min="1"' in html and 'max="100"' in html
    assert 'type="date" id="tf-deliver" name="deliver" value="2025-06-01"' in html
    assert '<option value="xl" >Extra large</option>' in html or 'value="xl"' in html
    assert 'id="tf-ref"' in html and "disabled" in html.split('id="tf-ref"')[1].split(">")[0]
    assert 'id="tf-urgent"' in html
