"""DMN decisions end to end: upload and versions, the evaluate endpoints (ours and Camunda's),
and business rule tasks that run through the engine to the process's end."""
from __future__ import annotations

from io import BytesIO

from engine.models import ProcessInstance
from extensions import db
from tests.integration.engine.diagrams import upload
from tests.integration.engine.test_deploy_camunda import doc, flows, process
from tests.unit.engine.dmn_tables import dmn, table

DISH = table("dish", [("season", "string"), ("guests", "integer")], [("dish", "string")], [
    ('"Fall"', "<= 8", '"Spareribs"'),
    ('"Winter","Spring"', "[5..10]", '"Stew"'),
    ('not("Fall","Winter","Spring")', "-", '"Salad"'),
])
DISCOUNT = table("discount", [("amount", "double")], [("total", "integer")], [
    ("> 100", "10"), ("> 1000", "5"), ("-", "0")], "COLLECT", "SUM")
DUE = table("due", [("when", "date")], [("due", "date")], [
    ('>= date and time("2024-01-01T00:00:00")', 'date and time("2024-02-01T10:00:00")')])
MANY = table("many", [("amount", "integer")], [("tag", "string")], [("-", '"a"'), ("-", '"b"')], "RULE ORDER")


def upload_dmn(api, xml: bytes, path: str = "/decisions"):
    return api.post(path, data={"file": (BytesIO(xml), "rules.dmn")}, content_type="multipart/form-data")


def test_upload_versions_list_xml_and_evaluate(api, api_for, make_user):
    resp = upload_dmn(api, dmn(DISH, DISCOUNT))
    assert resp.status_code == 201, resp.get_json()
    assert [(d["key"], d["version"], d["hit_policy"]) for d in resp.get_json()["items"]] == [
        ("dish", 1, "UNIQUE"), ("discount", 1, "COLLECT")]
    assert [d["version"] for d in upload_dmn(api, dmn(DISH, DISCOUNT)).get_json()["items"]] == [1, 1]
    assert upload_dmn(api, dmn(DISH)).get_json()["items"][0]["version"] == 2
    audited = api.get("/audit", query_string={"action": "decision.deploy"}).get_json()["items"]
    assert [e["details"]["versions"] for e in reversed(audited)] == [
        {"dish": 1, "discount": 1}, {"dish": 1, "discount": 1}, {"dish": 2}]
    listed = api.get("/decisions").get_json()["items"]
    assert [(d["key"], d["version"]) for d in listed] == [("discount", 1), ("dish", 2)]
    xml = api.get("/decisions/dish?version=1")
    assert xml.status_code == 200 and b'id="discount"' in xml.data
    assert xml.headers["X-Decision-Version"] == "1"

    evaluate = api.post("/decisions/dish/evaluate", {"variables": {"season": "Winter", "guests": 7}})
    assert evaluate.status_code == 200 and evaluate.get_json() == [{"dish": "Stew"}]
    summed = api.post("/decisions/discount/evaluate", {"variables": {"amount": 5000}})
    assert summed.get_json() == [{"total": 15}]
    missing = api.post("/decisions/dish/evaluate", {"variables": {"season": "Fall"}})
    assert missing.status_code == 422 and "input 'in1'" in missing.get_json()["error"]
    assert api.post("/decisions/nope/evaluate", {"variables": {}}).status_code == 404

    bad = upload_dmn(api, dmn(table("bad", [("x", "integer")], [("o", "string")], [("[1..", '"a"')])))
    assert bad.status_code == 422
    assert bad.get_json()["errors"] == [{
        "element": "decision 'bad', rule 'bad_r1'",
        "message": "input entry of 'in0': expected a value, found 'end of text'"}]

    clerk = api_for(make_user("clerk@example.com"))
    assert upload_dmn(clerk, dmn(DISH)).status_code == 403
    assert clerk.post("/decisions/dish/evaluate", {"variables": {"season": "Summer", "guests": 1}}
                      ).get_json() == [{"dish": "Salad"}]


def test_camunda_rest_evaluate_takes_and_answers_typed_values(api, client):
    upload_dmn(api, dmn(DISH, DISCOUNT, DUE))
    url = "/engine-rest/decision-definition/key/{}/evaluate"
    headers = {"Authorization": f"Bearer {api.token}"}
    resp = client.post(url.format("dish"), headers=headers, json={"variables": {
        "season": {"value": "Fall", "type": "String"}, "guests": {"value": "4", "type": "Integer"}}})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json() == [{"dish": {"value": "Spareribs", "type": "String", "valueInfo": {}}}]
    total = client.post(url.format("discount"), headers=headers,
                        json={"variables": {"amount": {"value": 500.5, "type": "Double"}}})
    assert total.get_json() == [{"total": {"value": 10, "type": "Integer", "valueInfo": {}}}]
    due = client.post(url.format("due"), headers=headers, json={"variables": {
        "when": {"value": "2024-03-01T10:00:00.000+0200", "type": "Date"}}})
    assert due.get_json() == [
        {"due": {"value": "2024-02-01T10:00:00.000+0000", "type": "Date", "valueInfo": {}}}]
    wrong = client.post(url.format("dish"), headers=headers,
                        json={"variables": {"guests": {"value": "many", "type": "Integer"}}})
    assert wrong.status_code == 400 and "variables.guests" in wrong.get_json()["message"]  # Camunda: 400
    unknown = client.post(url.format("nope"), headers=headers, json={})
    assert unknown.status_code == 404 and unknown.get_json()["type"] == "InvalidRequestException"
    assert client.post(url.format("dish"), json={}).status_code == 401


def rule_task(eid: str, ref: str, attrs: str) -> str:
    return f'<bpmn:businessRuleTask id="{eid}" camunda:decisionRef="{ref}" {attrs} />'


def test_business_rule_tasks_run_to_the_end(api):
    tasks = [
        rule_task("Dish", "dish", 'camunda:resultVariable="dish" camunda:mapDecisionResult="singleEntry"'),
        rule_task("Discount", "discount",
                  'camunda:resultVariable="discount" camunda:mapDecisionResult="singleResult"'),
        rule_task("Pinned", "dish",
                  'camunda:decisionRefBinding="version" camunda:decisionRefVersion="1" '
                  'camunda:resultVariable="all" camunda:mapDecisionResult="collectEntries"'),
        rule_task("List", "discount", 'camunda:resultVariable="list"'),
        # One evaluation per item (multi-instance), each result collected in order.
        '<bpmn:businessRuleTask id="Each" camunda:decisionRef="discount" camunda:resultVariable="one" '
        'camunda:mapDecisionResult="singleEntry"><bpmn:multiInstanceLoopCharacteristics '
        'camunda:collection="${amounts}" camunda:elementVariable="amount">'
        '<bpmn:loopDataOutputRef>totals</bpmn:loopDataOutputRef><bpmn:outputDataItem id="one" name="one" />'
        '</bpmn:multiInstanceLoopCharacteristics></bpmn:businessRuleTask>']
    ids = ["S", "Dish", "Discount", "Pinned", "List", "Each", "E"]
    bpmn = doc(process("Menu", '<bpmn:startEvent id="S" />' + "".join(tasks) + '<bpmn:endEvent id="E" />'
                       + flows(*ids)))
    refused = upload(api, bpmn)
    assert refused.status_code == 422
    assert {"element": "Dish", "message": "decisionRef: No decision 'dish': deploy the DMN file first"} in (
        refused.get_json()["errors"])
    draft = api.post("/process-drafts", data={"file": (BytesIO(bpmn), "menu.bpmn")},
                     content_type="multipart/form-data")
    assert draft.get_json()["problems"][0]["element"] == "Dish", draft.get_json()
    api.delete("/processes/Menu/draft")
    upload_dmn(api, dmn(DISH, DISCOUNT))
    assert upload(api, bpmn).status_code == 201
    instance = _run_with(api, "Menu", {"season": "Spring", "guests": 6, "amount": 150,
                                           "amounts": [5, 500, 5000]})
    assert instance.status == "completed", instance.error_message
    variables = api.get(f"/process-instances/{instance.id}").get_json()["variables"]
    assert variables["dish"] == "Stew" and variables["discount"] == {"total": 10}
    assert variables["all"] == ["Stew"] and variables["list"] == [{"total": 10}]
    assert variables["totals"] == [0, 10, 15]


def test_single_result_with_several_results_is_an_incident_naming_the_element(api):
    upload_dmn(api, dmn(MANY))
    bpmn = doc(process("Many", '<bpmn:startEvent id="S" />'
                       + rule_task("Tags", "many",
                                   'camunda:resultVariable="t" camunda:mapDecisionResult="singleResult"')
                       + '<bpmn:endEvent id="E" />' + flows("S", "Tags", "E")))
    assert upload(api, bpmn).status_code == 201
    instance = _run_with(api, "Many", {"amount": 1})
    assert instance.status == "error" and instance.error_element == "Tags"
    assert "singleResult allows at most one" in instance.error_message


def _run_with(api, key: str, variables: dict) -> ProcessInstance:
    from tests.integration.engine.runtime_support import create_lead, drive

    lead = create_lead(api, f"For {key}")
    resp = api.post(f"/processes/{key}/start", {"entity": "lead", "id": lead["id"], "variables": variables})
    assert resp.status_code == 201, resp.get_json()
    drive()
    db.session.expire_all()
    return db.session.get(ProcessInstance, resp.get_json()["id"])


def test_dmn_files_deploy_through_the_process_upload_and_the_editor_pages(api, admin, client):
    from tests.integration.portal.helpers import admin_mode, login

    resp = upload(api, dmn(DISH), "rules.dmn")
    assert resp.status_code == 201 and resp.get_json()["items"][0]["key"] == "dish"
    login(client, admin)
    admin_mode(client)
    listed = client.get("/decisions")
    assert listed.status_code == 200 and b'data-decision="dish"' in listed.data
    editor = client.get("/decisions/dish/edit")
    assert editor.status_code == 200 and b"dmn-editor.js" in editor.data
    assert client.get("/decisions/dish/dmn").data == dmn(DISH)
    saved = client.post("/decisions/deploy", data={"file": (BytesIO(dmn(DISH, MANY)), "d.dmn")},
                        content_type="multipart/form-data")
    assert saved.status_code == 201, saved.get_json()
    bad = client.post("/decisions/deploy", data={"file": (BytesIO(dmn(DISH[:-30])), "d.dmn")},
                      content_type="multipart/form-data")
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["message"]
