"""History of element activations: per instance and process, the heat map, historyTimeToLive."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engine.history_cleanup import clean_history
from engine.history_models import ElementActivation
from engine.models import ProcessInstance
from extensions import db
from tests.integration.engine.diagrams import review_lead
from tests.integration.engine.runtime_support import count, create_lead, deploy, drive, instances, open_tasks


def test_history_heatmap_and_time_to_live(api, admin, make_user, api_for):
    xml = review_lead("history_demo").replace(b'isExecutable="true"',
                                              b'isExecutable="true" camunda:historyTimeToLive="30"')
    version = deploy(api, xml)
    assert not any("historyTimeToLive" in w["message"] for w in version["warnings"])
    create_lead(api, "First", responsible_id=admin.id)
    create_lead(api, "Second", responsible_id=admin.id)
    drive()
    first, second = instances()
    task = next(t for t in open_tasks() if t.instance_id == first.id)
    assert api.post(f"/inbox/{task.id}/complete", {"data": {"verdict": "good"}}).status_code == 200
    drive()

    done = api.get(f"/process-instances/{first.id}/history").json["items"]
    assert [(h["element_id"], h["state"]) for h in done] == [
        ("StartEvent_1", "completed"), ("Review", "completed"), ("EndEvent_1", "completed")]
    review = done[1]
    assert review["element_type"] == "UserTask" and review["completed_by_id"] == admin.id
    assert review["duration_ms"] >= 0 and "verdict" in review["variables"]
    waiting = api.get(f"/process-instances/{second.id}/history").json["items"]
    assert [(h["element_id"], h["state"], h["ended_at"]) for h in waiting][-1] == ("Review", "active", None)

    by_element = api.get("/processes/history_demo/history?element=Review").json["items"]
    assert sorted(h["instance_id"] for h in by_element) == [first.id, second.id]
    heat = api.get("/processes/history_demo/heatmap").json
    assert heat["version"] == 1
    assert heat["elements"]["Review"]["count"] == 1 and heat["elements"]["Review"]["active"] == 1
    assert heat["elements"]["Review"]["p90_ms"] >= heat["elements"]["Review"]["avg_ms"] >= 0
    outsider = api_for(make_user("analyst@example.com"))
    assert outsider.get("/processes/history_demo/heatmap").status_code == 403
    assert outsider.get(f"/process-instances/{first.id}/history").status_code == 404

    first_id, row = first.id, db.session.get(ProcessInstance, first.id)
    row.completed_at -= timedelta(days=29)
    db.session.commit()
    assert clean_history() == 0  # younger than 30 days
    row.completed_at -= timedelta(days=2)
    db.session.commit()
    assert clean_history() == 1
    assert count(ProcessInstance, ProcessInstance.id == first_id) == 0
    assert count(ElementActivation, ElementActivation.instance_id == first_id) == 0
    assert db.session.scalars(select(ElementActivation.instance_id)).all()  # the waiting one stays
    assert count(ProcessInstance, ProcessInstance.id == second.id) == 1
