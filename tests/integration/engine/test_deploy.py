"""Deploying diagrams: upload, validation, versions, listing, the file as uploaded, activation, triggers."""
from __future__ import annotations

from io import BytesIO

from tests.integration.engine.diagrams import chain, review_lead, service_task, upload, user_task
from tests.integration.engine.runtime_support import (
    create_lead,
    deploy,
    drive,
    instances,
    only_instance,
)


def test_upload_creates_version_one_with_its_triggers(api):
    resp = upload(api, review_lead())
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["key"] == "lead_review" and body["version"] == 1 and body["name"] == "lead_review"
    assert body["triggers"] == [{"message": "lead.created", "entity": "lead", "action": "created",
                                 "fields": None, "condition": None, "element_id": "StartEvent_1"}]


def test_same_key_makes_new_version_and_running_instances_keep_theirs(api):
    deploy(api, review_lead())
    lead = create_lead(api)
    drive()
    first = only_instance()
    assert first.version.number == 1 and first.status == "waiting"

    v2 = deploy(api, review_lead(name="Lead review v2"))
    assert v2["version"] == 2
    again = deploy(api, review_lead(name="Lead review v2"))  # the identical file: no new version
    assert again["version"] == 2

    create_lead(api, "Second")
    drive()
    first_again, second = instances()
    assert first_again.id == first.id and first_again.version.number == 1
    assert second.version.number == 2 and second.entity_id != lead["id"]


def test_invalid_diagram_lists_every_problem_with_element_ids(api):
    bad = chain("broken",
                service_task("Svc", "crm.no_such_topic"),
                service_task("Svc2", "crm.add_comment", entity="lead", id="${record.id}",
                             text="${record.title +}"),
                user_task("Ask", "Ask"))
    resp = upload(api, bad)
    assert resp.status_code == 422
    errors = resp.get_json()["errors"]
    elements = {e["element"] for e in errors}
    assert {"Svc", "Svc2"} <= elements, errors
    assert all(e["message"] for e in errors)


def test_malformed_and_unsafe_xml_are_refused(api):
    resp = upload(api, b"<bpmn:definitions><oops></bpmn:definitions>")
    assert resp.status_code == 422
    assert resp.get_json()["errors"][0]["element"] is None

    bomb = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><definitions>&b;</definitions>')
    resp = upload(api, bomb)
    assert resp.status_code == 422
    assert resp.get_json()["errors"]


def test_size_limit_missing_file_and_empty_file(api, app):
    app.config["BPMN_MAX_BYTES"] = 1000
    try:
        resp = upload(api, review_lead() + b" " * 2000)
        assert resp.status_code == 413
        assert "1000" in resp.get_json()["error"]
    finally:
        app.config["BPMN_MAX_BYTES"] = 5 * 1024 * 1024
    resp = api.post("/processes", data={}, content_type="multipart/form-data")
    assert resp.status_code == 422 and "file" in resp.get_json()["fields"]
    resp = api.post("/processes", data={"file": (BytesIO(b""), "x.bpmn")},
                    content_type="multipart/form-data")
    assert resp.status_code == 422 and "file" in resp.get_json()["fields"]


def test_only_process_designers_upload(api_for, make_user):
    clerk = api_for(make_user())
    assert upload(clerk, review_lead()).status_code == 403


def test_list_with_versions_and_running_counts_and_bpmn_as_uploaded(api):
    xml = review_lead()
    deploy(api, xml)
    create_lead(api)
    create_lead(api, "Other")
    drive()
    items = api.get("/processes").get_json()["items"]
    assert [p["key"] for p in items] == ["lead_review"]
    item = items[0]
    assert item["active"] is True and item["version"] == 1
    assert [v["version"] for v in item["versions"]] == [1]
    assert item["running"] == 2 and item["instances"]["waiting"] == 2
    assert item["triggers"][0]["message"] == "lead.created"
    assert [p["key"] for p in api.get("/processes?entity=lead").get_json()["items"]] == ["lead_review"]
    assert api.get("/processes?entity=deal").get_json()["items"] == []
    assert api.get("/processes/lead_review").get_json()["versions"][0]["sha256"]

    resp = api.get("/processes/lead_review/versions/1/bpmn")
    assert resp.status_code == 200 and resp.data == xml
    assert api.get("/processes/lead_review/versions/9/bpmn").status_code == 404
    assert api.get("/processes/nope/versions/1/bpmn").status_code == 404


def test_deactivated_process_starts_nothing_until_activated(api):
    deploy(api, review_lead())
    resp = api.post("/processes/lead_review/deactivate")
    assert resp.status_code == 200 and resp.get_json()["active"] is False
    create_lead(api)
    drive()
    assert instances() == []
    assert api.post("/processes/lead_review/activate").get_json()["active"] is True
    create_lead(api, "After activation")
    drive()
    assert len(instances()) == 1


def test_put_triggers_sets_fields_and_condition_checked_in_sandbox(api):
    deploy(api, review_lead(message="lead.updated"))
    resp = api.put("/processes/lead_review/triggers", {"triggers": [
        {"element_id": "StartEvent_1", "fields": ["status"], "condition": "record.amount > 10000"}]})
    assert resp.status_code == 200, resp.get_json()
    trig = resp.get_json()["triggers"][0]
    assert trig["fields"] == ["status"] and trig["condition"] == "record.amount > 10000"

    for bad, field in [
        ({"element_id": "StartEvent_1", "condition": "record.amount >"}, "triggers[0].condition"),
        ({"element_id": "StartEvent_1", "condition": "record.__class__"}, "triggers[0].condition"),
        ({"element_id": "Nope"}, "triggers[0].element_id"),
        ({"element_id": "StartEvent_1", "fields": ["no_such_field"]}, "triggers[0].fields"),
    ]:
        resp = api.put("/processes/lead_review/triggers", {"triggers": [bad]})
        assert resp.status_code == 422, bad
        assert field in resp.get_json()["fields"], resp.get_json()
    assert api.put("/processes/lead_review/triggers", {"triggers": "x"}).status_code == 422
    assert api.put("/processes/nope/triggers", {"triggers": []}).status_code == 404
