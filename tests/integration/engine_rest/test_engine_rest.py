"""/engine-rest against a live server: Camunda Modeler's deploy, the Python and JavaScript external
task clients working diagrams to their end, long polling, failures, BPMN errors and lock expiry."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.engine_rest.diagrams import broken_process, order_process

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
    """Deploy like the Modeler (a .bpmn, a .form and a .dmn part) once for the module."""
    answer = deploy(rest, ("order.bpmn", order_process("order")), ("invoice.form", b"{}"),
                    ("rules.dmn", b"<definitions/>"))
    assert answer.status_code == 200, answer.text
    with _migrated_app.app_context():
        yield answer.json()


def test_modeler_deploy_and_definitions(rest, deployed):
    assert deployed["name"] == "order" and deployed["source"] == "Camunda Modeler"
    [(def_id, definition)] = deployed["deployedProcessDefinitions"].items()
    assert definition["key"] == "order" and definition["version"] == 1 and def_id == definition["id"]
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
    assert rest.session().get(f"{rest.url}/version", auth=(rest.email, "wrong")).status_code == 401
    bearer = {"Authorization": f"Bearer {rest.token}"}
    assert __import__("requests").get(f"{rest.url}/version", headers=bearer, timeout=10).status_code == 200
