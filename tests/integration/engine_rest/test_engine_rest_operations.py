"""/engine-rest operations against a live server: incidents, historic instances, statistics,
suspending instances and setting external task retries; rights and bad input."""
from __future__ import annotations

import pytest
import requests

from tests.integration.engine_rest.diagrams import approval_process, order_process
from tests.integration.engine_rest.test_engine_rest import deploy, fetch, start, state_of


@pytest.fixture(scope="module")
def deployed(rest, _migrated_app):
    """order (external tasks) and approval (a user task, then an external task), deployed once."""
    answer = deploy(rest, ("order.bpmn", order_process("order")),
                    ("approval.bpmn", approval_process("approval", rest.email)))
    assert answer.status_code == 200, answer.text
    with _migrated_app.app_context():
        yield {d["key"]: d["id"] for d in answer.json()["deployedProcessDefinitions"].values()}


def outsider(rest) -> requests.Session:
    """A user with no administrator rights who started nothing."""
    s = requests.Session()
    s.auth = (rest.other_email, rest.other_token)
    return s


def failed_order(rest) -> tuple[str, dict]:
    """An order whose Charge task failed with no retries left: (instance id, task)."""
    order = start(rest, "order", amount=1)
    task = next(t for t in fetch(rest, "w1", "charge") if t["processInstanceId"] == order)
    answer = rest.session().post(f"{rest.url}/external-task/{task['id']}/failure", json={
        "workerId": "w1", "errorMessage": "card declined", "errorDetails": "trace", "retries": 0})
    assert answer.status_code == 204, answer.text
    return order, task


@pytest.fixture(scope="module")
def failed(rest, deployed):
    """One order stopped by an incident, for the incident and statistics tests."""
    return failed_order(rest)


def test_incidents(rest, deployed, failed):
    s, url, def_id = rest.session(), rest.url, deployed["order"]
    order, task = failed
    [incident] = s.get(f"{url}/incident", params={"processInstanceId": order}).json()
    assert {k: incident[k] for k in ("processDefinitionId", "processInstanceId", "incidentType", "activityId",
                                     "configuration")} == {
        "processDefinitionId": def_id, "processInstanceId": order, "incidentType": "failedExternalTask",
        "activityId": "Charge", "configuration": task["id"]}
    assert "card declined" in incident["incidentMessage"] and incident["incidentTimestamp"].endswith("+0000")
    for params, found in [({"incidentType": "failedJob"}, 0), ({"activityId": "Ship"}, 0),
                          ({"processDefinitionId": def_id, "activityId": "Charge"}, 1),
                          ({"processDefinitionId": "nope:1:1"}, 0), ({"processInstanceId": "x"}, 0)]:
        listed = s.get(f"{url}/incident", params={"processInstanceId": order, **params}).json()
        assert len(listed) == found, params
    assert s.get(f"{url}/incident/count", params={"processInstanceId": order}).json() == {"count": 1}
    bad = s.get(f"{url}/incident", params={"maxResults": "lots"})
    assert bad.status_code == 400 and "maxResults" in bad.json()["message"]
    refused = outsider(rest).get(f"{url}/incident")
    assert refused.status_code == 403 and refused.json()["type"] == "AuthorizationException"


def test_statistics(rest, deployed, failed):
    s, url, def_id = rest.session(), rest.url, deployed["order"]
    stats = {row["id"]: row for row in s.get(f"{url}/process-definition/statistics",
                                             params={"incidents": "true", "failedJobs": "true"}).json()}
    assert stats[def_id]["instances"] >= 1 and stats[def_id]["definition"]["key"] == "order"
    assert stats[def_id]["incidents"] == [{"incidentType": "failedExternalTask", "incidentCount": 1}]
    assert stats[def_id]["failedJobs"] == 0
    plain = s.get(f"{url}/process-definition/statistics").json()
    assert all(row["incidents"] == [] for row in plain)
    activities = {row["id"]: row for row in s.get(f"{url}/process-definition/{def_id}/statistics",
                                                  params={"incidents": "true"}).json()}
    assert activities["Charge"]["instances"] >= 1
    assert activities["Charge"]["incidents"] == [{"incidentType": "failedExternalTask", "incidentCount": 1}]
    assert s.get(f"{url}/process-definition/nope:1:1/statistics").status_code == 404
    assert s.get(f"{url}/process-definition/statistics?incidents=perhaps").status_code == 400
    both = s.get(f"{url}/process-definition/statistics?incidents=true&incidentsForType=failedJob")
    assert both.status_code == 400 and "incidentsForType" in both.json()["message"]
    typed = s.get(f"{url}/process-definition/{def_id}/statistics?incidentsForType=failedJob").json()
    assert all(row["incidents"] == [] for row in typed)
    roots = {row["id"]: row for row in s.get(f"{url}/process-definition/statistics",
                                             params={"rootIncidents": "true"}).json()}
    assert roots[def_id]["incidents"] == [{"incidentType": "failedExternalTask", "incidentCount": 1}]
    theirs = outsider(rest).get(f"{url}/process-definition/statistics", params={"incidents": "true"}).json()
    assert all(row["instances"] == 0 and row["incidents"] == [] for row in theirs)


def test_retries_resolve_the_incident(rest, deployed):
    s, url = rest.session(), rest.url
    order, task = failed_order(rest)
    assert [t for t in fetch(rest, "w2", "charge") if t["id"] == task["id"]] == []  # no retries left
    bad = s.put(f"{url}/external-task/{task['id']}/retries", json={"retries": "two"})
    assert bad.status_code == 400 and "retries" in bad.json()["message"]
    theirs = outsider(rest).put(f"{url}/external-task/{task['id']}/retries", json={"retries": 2})
    assert theirs.status_code == 404
    assert s.put(f"{url}/external-task/{task['id']}/retries", json={"retries": 2}).status_code == 204
    assert state_of(order)["status"] == "waiting"
    assert s.get(f"{url}/incident", params={"processInstanceId": order}).json() == []
    [again] = [t for t in fetch(rest, "w2", "charge") if t["processInstanceId"] == order]
    assert again["id"] == task["id"] and again["retries"] == 2
    bad = s.put(f"{url}/external-task/retries", json={"retries": 1})
    assert bad.status_code == 400 and "externalTaskIds" in bad.json()["message"]
    assert s.put(f"{url}/external-task/retries", json={"externalTaskIds": [task["id"]],
                                                       "retries": 3}).status_code == 204
    assert s.get(f"{url}/external-task/{task['id']}").json()["retries"] == 3
    s.delete(f"{url}/process-instance/{order}")


def _work_to_end(rest, instance_id: str) -> None:
    """Complete Charge and Ship of an order."""
    for topic in ("charge", "ship"):
        [task] = [t for t in fetch(rest, "wh", topic) if t["processInstanceId"] == instance_id]
        done = rest.session().post(f"{rest.url}/external-task/{task['id']}/complete", json={"workerId": "wh"})
        assert done.status_code == 204, done.text


def test_historic_process_instances(rest, deployed):
    s, url = rest.session(), f"{rest.url}/history/process-instance"
    done, stopped, paused = start(rest, "order", amount=50), start(rest, "order", amount=51), \
        start(rest, "order", amount=52)
    _work_to_end(rest, done)
    assert s.delete(f"{rest.url}/process-instance/{stopped}").status_code == 204
    paused_url = f"{rest.url}/process-instance/{paused}/suspended"
    assert s.put(paused_url, json={"suspended": True}).status_code == 204
    mine = {done, stopped, paused}
    states = {r["id"]: r["state"] for r in s.get(url, params={"processDefinitionKey": "order"}).json()
              if r["id"] in mine}
    assert states == {done: "COMPLETED", stopped: "EXTERNALLY_TERMINATED", paused: "SUSPENDED"}
    finished = {r["id"]: r for r in s.get(url, params={"finished": "true", "maxResults": 1000}).json()}
    assert {done, stopped} <= set(finished) and paused not in finished
    assert isinstance(finished[done]["durationInMillis"], int) and finished[done]["endTime"].endswith("+0000")
    assert paused in {r["id"] for r in s.get(url, params={"unfinished": "true", "maxResults": 1000}).json()}
    one = s.get(f"{url}/{done}").json()
    fields = ("processDefinitionKey", "processDefinitionVersion", "businessKey", "state")
    assert {k: one[k] for k in fields} == {
        "processDefinitionKey": "order", "processDefinitionVersion": 1, "businessKey": "bk-order",
        "state": "COMPLETED"}
    newest = s.get(url, params={"sortBy": "instanceId", "sortOrder": "desc", "maxResults": 2}).json()
    assert [r["id"] for r in newest] == sorted((r["id"] for r in newest), key=int, reverse=True)
    second = s.get(url, params={"sortBy": "instanceId", "sortOrder": "desc", "firstResult": 1,
                                "maxResults": 1}).json()
    assert [r["id"] for r in second] == [newest[1]["id"]]
    total = s.get(f"{url}/count").json()["count"]
    assert total == len(s.get(url, params={"maxResults": 1000}).json()) and total >= 3
    assert s.get(url, params={"startedAfter": "2999-01-01T00:00:00.000+0000"}).json() == []
    assert s.get(f"{url}/count", params={"startedBefore": "2000-01-01T00:00:00"}).json() == {"count": 0}
    for params, field in [({"startedAfter": "yesterday"}, "startedAfter"), ({"sortBy": "size",
                          "sortOrder": "asc"}, "sortBy"), ({"finished": "maybe"}, "finished"),
                          ({"sortBy": "startTime"}, "sortOrder"), ({"firstResult": "-1"}, "firstResult")]:
        bad = s.get(url, params=params)
        assert bad.status_code == 400 and field in bad.json()["message"], params
    assert outsider(rest).get(url).json() == []
    assert outsider(rest).get(f"{url}/count").json() == {"count": 0}
    assert outsider(rest).get(f"{url}/{done}").status_code == 404


def test_suspended_instances_do_not_move(rest, deployed):
    from engine.runtime import run_instance

    s, url = rest.session(), rest.url
    first = start(rest, "approval")
    [task] = s.get(f"{url}/task", params={"processInstanceId": first}).json()
    suspend = f"{url}/process-instance/{first}/suspended"
    bad = s.put(suspend, json={"suspended": "yes"})
    assert bad.status_code == 400 and "suspended" in bad.json()["message"]
    assert outsider(rest).put(suspend, json={"suspended": True}).status_code == 404
    assert s.put(suspend, json={"suspended": True}).status_code == 204
    assert s.put(suspend, json={"suspended": True}).status_code == 204  # asked twice: no change
    assert s.get(f"{url}/process-instance/{first}").json()["suspended"] is True
    assert s.get(f"{url}/task/{task['id']}").json()["suspended"] is True
    assert s.post(f"{url}/task/{task['id']}/complete", json={}).status_code == 409
    assert s.put(suspend, json={"suspended": False}).status_code == 204
    run_instance(int(first))  # what the Celery task resuming enqueued does
    assert s.post(f"{url}/task/{task['id']}/complete", json={}).status_code == 204

    by_key = f"{url}/process-instance/suspended"
    bad = s.put(by_key, json={"suspended": True})
    assert bad.status_code == 400 and "processDefinitionKey" in bad.json()["message"]
    assert s.put(by_key, json={"processDefinitionKey": "approval", "suspended": True}).status_code == 204
    assert state_of(first)["status"] == "suspended"
    assert fetch(rest, "wa", "approval-charge") == []  # suspended: not fetched
    resumed = s.put(by_key, json={"processDefinitionId": deployed["approval"], "suspended": False})
    assert resumed.status_code == 204
    run_instance(int(first))
    [charge] = fetch(rest, "wa", "approval-charge")
    assert charge["processInstanceId"] == first and charge["suspended"] is False
    assert s.put(suspend, json={"suspended": True}).status_code == 204
    assert s.get(f"{url}/external-task/{charge['id']}").json()["suspended"] is True
    refused = s.post(f"{url}/external-task/{charge['id']}/complete", json={"workerId": "wa"})
    assert refused.status_code == 409


def test_retrying_the_incident_makes_the_task_fetchable(rest, deployed):
    """The incident of a failed external task, retried as administrators do on the incident page."""
    from engine.runtime import run_instance

    order, task = failed_order(rest)
    [incident] = rest.session().get(f"{rest.url}/incident", params={"processInstanceId": order}).json()
    api = rest.url.replace("/engine-rest", "/api/v1")
    retried = requests.post(f"{api}/incidents/{incident['id']}/retry", json={},
                            headers={"Authorization": f"Bearer {rest.token}"}, timeout=30)
    assert retried.status_code == 200, retried.text
    run_instance(int(order))  # what the Celery task the retry enqueued does
    assert [t["id"] for t in fetch(rest, "w5", "charge") if t["processInstanceId"] == order] == [task["id"]]
