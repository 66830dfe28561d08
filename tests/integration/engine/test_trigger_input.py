"""PUT /processes/<key>/triggers with malformed triggers: 422 naming the field, never a 500."""
from __future__ import annotations

import pytest

from tests.integration.engine.diagrams import review_lead
from tests.integration.engine.runtime_support import deploy

ONE = "triggers[0]"
MALFORMED = [
    ({"element_id": ["StartEvent_1"]}, f"{ONE}.element_id"),
    ({"element_id": {"id": 1}}, f"{ONE}.element_id"),
    ({"element_id": 7}, f"{ONE}.element_id"),
    ({"element_id": "StartEvent_1", "fields": "status"}, f"{ONE}.fields"),
    ({"element_id": "StartEvent_1", "fields": [["status"]]}, f"{ONE}.fields"),
    ({"element_id": "StartEvent_1", "condition": 5}, f"{ONE}.condition"),
    ({"element_id": "StartEvent_1", "condition": "${" + "-" * 5000 + "1}"}, f"{ONE}.condition"),
    ({"element_id": "StartEvent_1", "condition": "${record" + ".a" * 1500 + "}"}, f"{ONE}.condition"),
    ({"element_id": "StartEvent_1", "condition": "${record" + "[0]" * 900 + "}"}, f"{ONE}.condition"),
    ({"element_id": "StartEvent_1", "condition": "${record.title == '" + "x" * 3000 + "'}"},
     f"{ONE}.condition"),
    ({"element_id": "StartEvent_1", "colour": "red"}, f"{ONE}.colour"),
    ("StartEvent_1", ONE),
]


@pytest.mark.parametrize(("trigger", "field"), MALFORMED)
def test_malformed_triggers_answer_422_naming_the_field(api, trigger, field):
    deploy(api, review_lead(message="lead.updated"))
    r = api.put("/processes/lead_review/triggers", {"triggers": [trigger]})
    assert r.status_code == 422
    assert list(r.json["fields"]) == [field]


def test_a_trigger_as_listed_is_accepted_back(api):
    deploy(api, review_lead(message="lead.updated"))
    listed = api.get("/processes").json["items"][0]["triggers"][0]
    changed = {**listed, "condition": "${record.amount > 1}"}
    r = api.put("/processes/lead_review/triggers", {"triggers": [changed]})
    assert r.status_code == 200 and r.json["triggers"][0]["condition"] == "${record.amount > 1}"
