"""/engine-rest/job against a live server: timers listed as jobs, moved and fired now; a failing
script with a retry cycle as a failed job, executed again and given new retries; filters, bad
parameters and rights; the duration sort of historic instances."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.integration.engine_rest.diagrams import flaky_process, quick_process, timer_process
from tests.integration.engine_rest.test_engine_rest import deploy, start, state_of
from tests.integration.engine_rest.test_engine_rest_operations import outsider


@pytest.fixture(scope="module")
def deployed(rest, _migrated_app):
    answer = deploy(rest, ("timed.bpmn", timer_process("timed")), ("flaky.bpmn", flaky_process("flaky")),
                    ("quick.bpmn", quick_process("quick")), name="jobs")
    assert answer.status_code == 200, answer.text
    with _migrated_app.app_context():
        yield {d["key"]: d["id"] for d in answer.json()["deployedProcessDefinitions"].values()}


def camunda(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def parse(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(UTC).replace(tzinfo=None)


def jobs(rest, **params) -> list[dict]:
    answer = rest.session().get(f"{rest.url}/job", params=params, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def open_tasks(rest, instance_id: str) -> list[str]:
    answer = rest.session().get(f"{rest.url}/task", params={"processInstanceId": instance_id}, timeout=10)
    return [t["taskDefinitionKey"] for t in answer.json()]


def drive() -> None:
    """What the workers and the beat do meanwhile (the test server sends no kicks)."""
    from engine.runtime import run_pending
    from extensions import db

    db.session.rollback()
    run_pending()
    db.session.commit()


def test_a_timer_is_a_job_moved_and_executed_now(rest, deployed):
    s, url = rest.session(), rest.url
    now = datetime.now(UTC).replace(tzinfo=None)
    first, second = start(rest, "timed"), start(rest, "timed")
    [job] = jobs(rest, processInstanceId=first)
    assert job["id"].startswith("timer-") and job["processDefinitionId"] == deployed["timed"]
    assert (job["processDefinitionKey"], job["retries"], job["exceptionMessage"], job["failedActivityId"],
            job["suspended"], job["tenantId"]) == ("timed", 3, None, None, False, None)
    assert timedelta(minutes=55) < parse(job["dueDate"]) - now < timedelta(minutes=65)
    assert job["executionId"] and s.get(f"{url}/job/{job['id']}").json() == job
    both = {j["id"] for j in jobs(rest, processDefinitionKey="timed", activityId="Wait", timers="true")}
    assert job["id"] in both and len(both) == 2
    assert not jobs(rest, processDefinitionKey="timed", messages="true")
    assert not jobs(rest, processDefinitionKey="timed", executable="true")  # not due yet
    assert s.get(f"{url}/job/count", params={"processDefinitionId": deployed["timed"]}).json() == {"count": 2}
    later = now + timedelta(days=2)
    moved = s.put(f"{url}/job/{job['id']}/duedate", json={"duedate": camunda(later)})
    assert moved.status_code == 204, moved.text
    assert s.get(f"{url}/job/{job['id']}").json()["dueDate"] == camunda(later)
    window = f"gt_{camunda(now + timedelta(days=1))},lt_{camunda(now + timedelta(days=3))}"
    assert [j["id"] for j in jobs(rest, processDefinitionKey="timed", dueDates=window)] == [job["id"]]
    by_due = jobs(rest, processDefinitionKey="timed", sortBy="jobDueDate", sortOrder="desc")
    assert by_due[0]["id"] == job["id"]
    drive()  # the beat: the moved timer is not due
    assert state_of(first)["status"] == "waiting" and open_tasks(rest, first) == []
    assert s.post(f"{url}/job/{job['id']}/execute").status_code == 204
    assert open_tasks(rest, first) == ["Review"]  # it moved on in the request
    assert s.get(f"{url}/job/{job['id']}").status_code == 404
    [other] = jobs(rest, processInstanceId=second)  # moved into the past: the beat fires it
    assert s.put(f"{url}/job/{other['id']}/duedate",
                 json={"duedate": camunda(now - timedelta(minutes=1))}).status_code == 204
    assert [j["id"] for j in jobs(rest, processInstanceId=second, executable="true")] == [other["id"]]
    drive()
    assert open_tasks(rest, second) == ["Review"] and not jobs(rest, processInstanceId=second)


def _set_amount(instance_id: str) -> None:
    """An operator fixes the missing variable meanwhile."""
    from engine import spiff_adapter as spiff
    from engine.models import ProcessInstance
    from engine.spiff import modify
    from extensions import db

    db.session.rollback()
    row = db.session.get(ProcessInstance, int(instance_id))
    wf = spiff.load(row)
    modify.set_variables(wf, {"amount": 21})
    row.state = spiff.dump(wf)
    db.session.commit()


def test_a_failing_script_is_a_failed_job_run_again_and_given_retries(rest, deployed):
    s, url = rest.session(), rest.url
    order = start(rest, "flaky")
    [job] = jobs(rest, processInstanceId=order)
    assert job["id"].startswith("timer-") and job["retries"] == 1 and job["failedActivityId"] == "Compute"
    assert "amount" in job["exceptionMessage"] and "retries left" not in job["exceptionMessage"]
    assert [j["id"] for j in jobs(rest, processInstanceId=order, withException="true", messages="true")] \
        == [job["id"]]
    assert not jobs(rest, processInstanceId=order, timers="true")
    assert not jobs(rest, processInstanceId=order, noRetriesLeft="true")
    refused = s.put(f"{url}/job/{job['id']}/retries", json={"retries": 3})
    assert refused.status_code == 409 and "no retries left" in refused.json()["message"]
    assert s.post(f"{url}/job/{job['id']}/execute").status_code == 204  # the last attempt, now: it fails
    [failed] = jobs(rest, processInstanceId=order)
    assert failed["id"].startswith("incident-") and failed["retries"] == 0 and failed["dueDate"] is None
    assert "amount" in failed["exceptionMessage"] and failed["failedActivityId"] == "Compute"
    assert [j["id"] for j in jobs(rest, noRetriesLeft="true", processDefinitionKey="flaky")] == [failed["id"]]
    assert s.post(f"{url}/job/{failed['id']}/execute").status_code == 204  # runs now, fails again
    [again] = jobs(rest, processInstanceId=order)  # the old incident resolved, a new one opened
    assert again["id"] != failed["id"]
    failed = again
    assert failed["id"].startswith("incident-") and "no retries left" in failed["exceptionMessage"]
    trace = s.get(f"{url}/job/{failed['id']}/stacktrace")
    assert trace.status_code == 200 and trace.headers["Content-Type"].startswith("text/plain")
    assert "amount" in trace.text
    assert s.get(f"{url}/job/{failed['id']}/stacktrace").text == trace.text
    assert s.put(f"{url}/job/{failed['id']}/duedate", json={"duedate": None}).status_code == 409
    _set_amount(order)
    assert s.put(f"{url}/job/{failed['id']}/retries", json={"retries": 2}).status_code == 204
    assert state_of(order)["status"] == "running"  # resolved; a worker runs it
    drive()
    assert open_tasks(rest, order) == ["Check"] and not jobs(rest, processInstanceId=order)
    assert s.get(f"{url}/incident", params={"processInstanceId": order}).json() == []


@pytest.mark.parametrize(("params", "named"), [
    ({"sortBy": "nope", "sortOrder": "asc"}, "sortBy"), ({"sortBy": "jobId"}, "sortOrder"),
    ({"dueDates": "eq_2026-12-04T10:00:00.000+0000"}, "dueDates"), ({"dueDates": "gt_soon"}, "dueDates"),
    ({"timers": "true", "messages": "true"}, "messages"), ({"withException": "maybe"}, "withException"),
    ({"maxResults": "lots"}, "maxResults")])
def test_bad_parameters_are_named(rest, deployed, params, named):
    answer = rest.session().get(f"{rest.url}/job", params=params)
    assert answer.status_code == 400 and named in answer.json()["message"], answer.text


def test_unknown_jobs_bad_bodies_and_rights(rest, deployed):
    s, url = rest.session(), rest.url
    for job_id in ("timer-999999", "incident-999999", "bogus", "timer-x"):
        assert s.get(f"{url}/job/{job_id}").status_code == 404, job_id
    assert jobs(rest, jobId="bogus") == []
    instance = start(rest, "timed")
    [job] = jobs(rest, processInstanceId=instance)
    assert [j["id"] for j in jobs(rest, jobId=job["id"])] == [job["id"]]
    for sent, named in [({}, "duedate"), ({"duedate": "tomorrow"}, "duedate"), ({"duedate": 5}, "duedate")]:
        answer = s.put(f"{url}/job/{job['id']}/duedate", json=sent)
        assert answer.status_code == 400 and named in answer.json()["message"], sent
    answer = s.put(f"{url}/job/{job['id']}/retries", json={"retries": -1})
    assert answer.status_code == 400 and "retries" in answer.json()["message"]
    other = outsider(rest)
    for call in (lambda: other.get(f"{url}/job"), lambda: other.get(f"{url}/job/count"),
                 lambda: other.get(f"{url}/job/{job['id']}"),
                 lambda: other.post(f"{url}/job/{job['id']}/execute"),
                 lambda: other.put(f"{url}/job/{job['id']}/duedate", json={"duedate": None})):
        refused = call()
        assert refused.status_code == 403 and refused.json()["type"] == "AuthorizationException"
    assert s.get(f"{url}/job/{job['id']}").json()["dueDate"] == job["dueDate"]  # unchanged


def test_historic_instances_sort_by_duration_running_last(rest, deployed):
    from engine.models import ProcessInstance
    from extensions import db

    s, url = rest.session(), rest.url
    ids = []
    for _ in range(3):
        answer = s.post(f"{url}/process-definition/key/quick/start", json={})
        assert answer.status_code == 200 and answer.json()["ended"] is True, answer.text
        ids.append(answer.json()["id"])
    db.session.rollback()
    begin = datetime(2026, 1, 1)
    for instance_id, seconds in zip(ids, (60, 5, 600), strict=True):
        row = db.session.get(ProcessInstance, int(instance_id))
        row.created_at, row.completed_at = begin, begin + timedelta(seconds=seconds)
    db.session.commit()
    running = start(rest, "timed")
    for order, expected in (("asc", [ids[1], ids[0], ids[2]]), ("desc", [ids[2], ids[0], ids[1]])):
        listed = s.get(f"{url}/history/process-instance",
                       params={"sortBy": "duration", "sortOrder": order}).json()
        finished = [h["id"] for h in listed if h["processDefinitionKey"] == "quick"]
        assert finished == expected, order
        durations = [h["durationInMillis"] for h in listed]
        assert None in durations and all(d is None for d in durations[durations.index(None):]), order
        assert listed[-1]["durationInMillis"] is None and running in [h["id"] for h in listed]
