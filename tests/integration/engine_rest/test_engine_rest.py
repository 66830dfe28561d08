"""/engine-rest against a live server: Camunda Modeler's deploy, the Python and JavaScript external
task clients working diagrams to their end, long polling, failures, BPMN errors and lock expiry."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.integration.engine_rest.conftest import Rest
from tests.integration.engine_rest.diagrams import broken_process, order_process
from tests.unit.engine.dmn_tables import dmn, table

ROOT = Path(__file__).resolve().parents[3]


def deploy(rest, *files: tuple[str, bytes], name: str = "order"):
    """The multipart request Camunda Modeler's Deploy button sends."""
    parts = [(filename, (filename, data, "application/octet-stream")) for filename, data in files]
    return rest.session().post(f"{rest.url}/deployment/create", data={
        "deployment-name": name, "deployment-source": "Camunda Modeler", "deploy-changed-only": "true"},
        files=parts, timeout=30)


def start(rest, key: str, **variables) -> str:
    typed = {k: {"value": v, "type": "Integer" if isinstance(v, int) else "String"}
             for k, v in variables.items()}
    answer = rest.session().post(f"{rest.url}/process-definition/key/{key}/start",
                                 json={"variables": typed, "businessKey": f"bk-{key}"}, timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.json()["ended"] is False and answer.json()["businessKey"] == f"bk-{key}"
    return answer.json()["id"]


def fetch(rest, worker: str, topic: str, lock_ms: int = 60_000, wait_ms: int = 0) -> list[dict]:
    answer = rest.session().post(f"{rest.url}/external-task/fetchAndLock", json={
        "workerId": worker, "maxTasks": 5, "asyncResponseTimeout": wait_ms,
        "topics": [{"topicName": topic, "lockDuration": lock_ms}]}, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def instance(rest, instance_id: str) -> dict:
    from engine.models import ProcessInstance
    from extensions import db

    found = db.session.get(ProcessInstance, int(instance_id))
    db.session.refresh(found)
    return {"status": found.status, "element": found.error_element, "message": found.error_message}


@pytest.fixture(scope="module")
def deployed(rest, _migrated_app):
    """Deploy like the Modeler (a .bpmn, a .form and a .dmn, each stored) once for the module."""
    form = json.dumps({"id": "invoice", "type": "default", "components": []}).encode()
    answer = deploy(rest, ("order.bpmn", order_process("order")), ("invoice.form", form),
                    ("rules.dmn", dmn(table("risk", [("amount", "double")], [("risk", "string")],
                                          [("< 100", '"low"'), (">= 100", '"high"')]))))
    assert answer.status_code == 200, answer.text
    with _migrated_app.app_context():
        yield answer.json()


def test_modeler_deploy_and_definitions(rest, deployed):
    assert deployed["name"] == "order" and deployed["source"] == "Camunda Modeler"
    [decision] = deployed["deployedDecisionDefinitions"].values()  # the .dmn part: a decision version
    assert (decision["key"], decision["version"], decision["deploymentId"]) == ("risk", 1, deployed["id"])
    evaluated = requests.post(f"{rest.url}/decision-definition/key/risk/evaluate", json={
        "variables": {"amount": {"value": 250, "type": "Double"}}},
        headers={"Authorization": f"Bearer {rest.token}"}).json()
    assert evaluated == [{"risk": {"value": "high", "type": "String", "valueInfo": {}}}]
    broken = deploy(rest, ("bad.dmn", b"<definitions/>"))
    assert broken.status_code == 400 and "not a DMN file" in broken.json()["message"]
    [(def_id, definition)] = deployed["deployedProcessDefinitions"].items()
    assert definition["key"] == "order" and definition["version"] == 1 and def_id == definition["id"]
    with requests.Session() as api:  # the upload answer says which tasks wait for a worker
        api.headers["Authorization"] = f"Bearer {rest.token}"
        base = rest.url.replace("/engine-rest", "/api/v1")
        warned = api.post(f"{base}/processes", files={"file": ("o.bpmn", order_process("order"))}).json()
        assert {w["element"] for w in warned["warnings"] if "external task worker" in w["message"]} == {
            "Charge", "Ship", "Refund"}
    again = deploy(rest, ("order.bpmn", order_process("order")))  # unchanged: the same version
    assert list(again.json()["deployedProcessDefinitions"]) == [def_id]
    refused = deploy(rest, ("broken.bpmn", broken_process("broken")))
    assert refused.status_code == 400 and "JavaTask" in refused.json()["message"]
    assert refused.json()["type"] == "InvalidRequestException"
    s = rest.session()
    assert s.get(f"{rest.url}/version").json() == {"version": "7.20.0"}
    assert [d["key"] for d in s.get(f"{rest.url}/process-definition?latestVersion=true").json()] == ["order"]
    assert "<bpmn:process" in s.get(f"{rest.url}/process-definition/key/order/xml").json()["bpmn20Xml"]
    assert s.get(f"{rest.url}/deployment").status_code == 200
    assert s.get(f"{rest.url}/process-definition/{def_id}").json()["key"] == "order"
    by_id = s.post(f"{rest.url}/process-definition/{def_id}/start", json={"businessKey": "modeler"})
    assert by_id.status_code == 200 and by_id.json()["definitionId"] == def_id
    assert s.delete(f"{rest.url}/process-instance/{by_id.json()['id']}").status_code == 204
    assert rest.session().get(f"{rest.url}/version", auth=(rest.email, "wrong")).status_code == 401
    bearer = {"Authorization": f"Bearer {rest.token}"}
    assert requests.get(f"{rest.url}/version", headers=bearer, timeout=10).status_code == 200


def state_of(instance_id: str) -> dict:
    """The instance's status and incident, read from the database."""
    from engine.models import ProcessInstance
    from extensions import db

    db.session.rollback()  # a fresh read: the server committed meanwhile
    found = db.session.get(ProcessInstance, int(instance_id))
    return {"status": found.status, "element": found.error_element, "message": found.error_message}


def variables_of(rest, instance_id: str) -> dict:
    answer = rest.session().get(f"{rest.url}/process-instance/{instance_id}/variables", timeout=10)
    return {name: v["value"] for name, v in answer.json().items()}


def test_python_client_works_orders_to_their_end(rest, deployed):
    from camunda.external_task.external_task_worker import ExternalTaskWorker

    config = {"auth_basic": {"username": rest.email, "password": rest.token}, "maxTasks": 5,
              "lockDuration": 10_000, "asyncResponseTimeout": 2000, "retries": 1, "retryTimeout": 0}
    worker = ExternalTaskWorker(worker_id="py-worker", base_url=rest.url, config=config)
    shipped, lacking = start(rest, "order", amount=42), start(rest, "order", amount=5)

    def charge(task):
        return task.complete({"charged": task.get_variable("amount")})

    def ship(task):
        if task.get_variable("amount") < 10:  # caught by the boundary event: the order is refunded
            return task.bpmn_error("OUT_OF_STOCK", "none left", {"reason": "stock"})
        return task.complete({"shipped": True})

    worker.fetch_and_execute(["charge"], charge)
    worker.fetch_and_execute(["ship"], ship)
    worker.fetch_and_execute(["refund"], lambda task: task.complete({"refunded": True}))
    assert state_of(shipped)["status"] == "completed"
    assert state_of(lacking)["status"] == "completed"
    assert {"amount": 42, "charged": 42, "shipped": True}.items() <= variables_of(rest, shipped).items()
    refunded = variables_of(rest, lacking)
    assert refunded["refunded"] is True and refunded["reason"] == "stock"
    assert refunded["code"] == "OUT_OF_STOCK"  # camunda:errorCodeVariable
    assert "shipped" not in refunded


def test_javascript_client_works_an_order_to_its_end(rest, deployed):
    node = shutil.which("node")
    assert node, "node is needed for the JavaScript client"
    # topics of its own: the client's last long poll outlives the process (as with Camunda's engine)
    assert deploy(rest, ("js.bpmn", order_process("jsorder", "js-"))).status_code == 200
    order = start(rest, "jsorder", amount=21)
    env = {**os.environ, "NODE_PATH": str(ROOT / "web/frontend/node_modules"), "BASE_URL": rest.url,
           "EMAIL": rest.email, "TOKEN": rest.token}
    run = subprocess.run([node, str(Path(__file__).with_name("js_worker.cjs"))], env=env,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    assert json.loads(run.stdout.strip().splitlines()[-1]) == {"done": 2}
    assert state_of(order)["status"] == "completed"
    values = variables_of(rest, order)
    assert values["charged"] == 42 and values["by"] == "js"
    assert json.loads(values["parcel"]) == {"id": 7, "carrier": "post"}  # a Json variable


def test_failures_with_retries_then_an_incident(rest, deployed):
    s, url = rest.session(), rest.url
    order = start(rest, "order", amount=1)
    [task] = fetch(rest, "w1", "charge", lock_ms=60_000)
    assert task["processInstanceId"] == order and task["variables"]["amount"] == {
        "type": "Integer", "value": 1, "valueInfo": {}}
    assert fetch(rest, "w2", "charge") == []  # locked
    wrong = s.post(f"{url}/external-task/{task['id']}/complete", json={"workerId": "w2"})
    assert wrong.status_code == 409 and "w1" in wrong.json()["message"]
    bad = s.post(f"{url}/external-task/fetchAndLock", json={"workerId": "w", "topics": [{"topicName": "x"}]})
    assert bad.status_code == 400 and "topics[0].lockDuration" in bad.json()["message"]
    nul = s.post(f"{url}/external-task/{task['id']}/complete", json={
        "workerId": "w1", "variables": {"note": {"value": "a\x00b"}}})
    assert nul.status_code == 400 and "variables.note.value" in nul.json()["message"]
    assert s.get(f"{url}/process-definition/key/a%00b").status_code == 400
    failed = s.post(f"{url}/external-task/{task['id']}/failure", json={
        "workerId": "w1", "errorMessage": "card declined", "errorDetails": "trace", "retries": 1,
        "retryTimeout": 0})
    assert failed.status_code == 204 and state_of(order)["status"] == "waiting"
    [again] = fetch(rest, "w2", "charge")
    assert again["id"] == task["id"] and again["retries"] == 1 and again["errorMessage"] == "card declined"
    s.post(f"{url}/external-task/{task['id']}/failure", json={
        "workerId": "w2", "errorMessage": "card declined again", "retries": 0})
    assert state_of(order) == {"status": "error", "element": "Charge",
                               "message": "External task charge: card declined again"}
    assert fetch(rest, "w3", "charge") == []  # an incident: no retries left
    retried = requests.post(f"{url.replace('/engine-rest', '/api/v1')}/process-instances/{order}/retry",
                            headers={"Authorization": f"Bearer {rest.token}"}, timeout=30)
    assert retried.status_code == 200, retried.text
    from engine.runtime import run_instance

    run_instance(int(order))  # what the Celery task the retry enqueued does
    [retry] = fetch(rest, "w3", "charge")
    assert retry["id"] == task["id"] and retry["retries"] == 1
    assert s.delete(f"{url}/process-instance/{order}").status_code == 204  # terminated
    assert fetch(rest, "w3", "charge") == []


def test_an_expired_lock_passes_the_task_to_another_worker(rest, deployed):
    s, url = rest.session(), rest.url
    late = start(rest, "order", amount=2)
    [first] = fetch(rest, "w1", "charge", lock_ms=1)
    time.sleep(0.01)
    [second] = fetch(rest, "w2", "charge")
    assert second["id"] == first["id"] and second["workerId"] == "w2"
    assert s.post(f"{url}/external-task/{first['id']}/complete", json={"workerId": "w1"}).status_code == 409
    assert s.post(f"{url}/external-task/{first['id']}/extendLock",
                  json={"workerId": "w2", "newDuration": 60_000}).status_code == 204
    assert s.post(f"{url}/external-task/{first['id']}/unlock").status_code == 204
    [third] = fetch(rest, "w3", "charge")
    done = s.post(f"{url}/external-task/{third['id']}/complete", json={
        "workerId": "w3", "variables": {"charged": {"value": 2, "type": "Integer"}}})
    assert done.status_code == 204
    twice = s.post(f"{url}/external-task/{third['id']}/complete", json={"workerId": "w3"})
    assert twice.status_code == 404 and twice.json()["type"] == "InvalidRequestException"
    listed = s.get(f"{url}/external-task?topicName=ship&processInstanceId={late}").json()
    assert [t["activityId"] for t in listed] == ["Ship"]
    outsider = requests.Session()  # not an administrator, did not start it: sees nothing of it
    outsider.auth = (rest.other_email, rest.other_token)
    assert outsider.get(f"{url}/external-task/{listed[0]['id']}").status_code == 404
    assert outsider.post(f"{url}/external-task/fetchAndLock", json={
        "workerId": "x", "topics": [{"topicName": "ship", "lockDuration": 1000}]}).json() == []
    refused = deploy(Rest(url, rest.other_email, rest.other_token), ("o.bpmn", order_process("order")))
    assert refused.status_code == 403 and refused.json()["type"] == "AuthorizationException"


def test_long_polling_waits_and_answers_when_a_task_appears(rest, deployed):
    began = time.monotonic()
    assert fetch(rest, "w4", "refund", wait_ms=400) == []
    assert 0.35 < time.monotonic() - began < 3

    got: list = []
    poller = threading.Thread(target=lambda: got.extend(fetch(rest, "w4", "charge", wait_ms=10_000)))
    began = time.monotonic()
    poller.start()
    time.sleep(0.3)
    fresh = start(rest, "order", amount=3)
    poller.join(10)
    assert [t["processInstanceId"] for t in got] == [fresh] and time.monotonic() - began < 2.5
