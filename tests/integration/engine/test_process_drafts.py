"""Diagrams as drafts (start nothing until published), deleting versions that never ran, and
archiving a process (its triggers stop, its running instances go on)."""
from __future__ import annotations

from io import BytesIO

from engine.models import ProcessInstance, ProcessVersion
from tests.integration.engine.diagrams import chain as chain_diagram
from tests.integration.engine.diagrams import review_lead, service_task
from tests.integration.engine.runtime_support import count, create_lead, deploy, drive, open_tasks


def save_draft(api, xml: bytes):
    return api.post("/process-drafts", data={"file": (BytesIO(xml), "d.bpmn")},
                    content_type="multipart/form-data")


def test_a_draft_starts_nothing_until_published(api):
    saved = save_draft(api, review_lead("drafted"))
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["publishable"] is True and saved.get_json()["problems"] == []
    create_lead(api, "Before publishing")
    drive()
    assert count(ProcessVersion) == 0 and count(ProcessInstance) == 0
    assert api.get("/processes/drafted/draft/bpmn").data == review_lead("drafted")

    published = api.post("/processes/drafted/draft/publish")
    assert published.status_code == 201 and published.get_json()["version"] == 1
    assert api.get("/processes/drafted/draft").status_code == 404  # the draft became the version
    create_lead(api, "After publishing")
    drive()
    assert count(ProcessInstance) == 1


def test_a_draft_of_a_running_process_leaves_the_published_version_alone(api):
    deploy(api, review_lead("live"))
    save_draft(api, review_lead("live", name="Live, reworked"))
    assert api.get("/processes/live").get_json()["version"] == 1
    assert api.get("/processes/live").get_json()["has_draft"] is True
    create_lead(api, "Still v1")
    drive()
    assert count(ProcessInstance) == 1
    assert api.delete("/processes/live/draft").status_code == 204
    assert api.get("/processes/live/draft").status_code == 404
    assert api.get("/processes/live").get_json()["has_draft"] is False


def test_a_draft_with_problems_is_kept_but_not_published(api):
    # a typo in a built-in namespace (any other topic waits for an external task worker)
    broken = chain_diagram("broken", service_task("Call", "crm.no_such_topic"))
    saved = save_draft(api, broken)
    assert saved.status_code == 200
    problems = saved.get_json()["problems"]
    assert saved.get_json()["publishable"] is False and problems[0]["element"] == "Call"
    refused = api.post("/processes/broken/draft/publish")
    assert refused.status_code == 422 and refused.get_json()["errors"][0]["element"] == "Call"
    assert api.get("/processes/broken/draft").status_code == 200  # nothing lost
    garbage = save_draft(api, b"<not-bpmn/>")
    assert garbage.status_code == 422 and "file" in garbage.get_json()["fields"]


def test_a_version_that_never_ran_can_be_deleted_and_one_that_ran_cannot(api):
    deploy(api, review_lead("versions"))
    create_lead(api, "Runs v1")
    drive()
    deploy(api, review_lead("versions", name="second"))
    refused = api.delete("/processes/versions/versions/1")
    assert refused.status_code == 409 and "instance" in refused.get_json()["error"]
    assert api.delete("/processes/versions/versions/2").status_code == 204
    assert api.get("/processes/versions").get_json()["version"] == 1  # v1 is the newest again
    deploy(api, review_lead("unused"))
    assert api.delete("/processes/unused/versions/1").status_code == 204
    assert api.get("/processes/unused").status_code == 404  # its last version: the process went


def test_an_archived_process_starts_nothing_and_its_instances_go_on(api):
    deploy(api, review_lead("archived"))
    lead = create_lead(api, "Started before")
    drive()
    (task,) = open_tasks()
    archived = api.post("/processes/archived/archive")
    assert archived.status_code == 200 and archived.get_json()["archived"] is True
    assert archived.get_json()["active"] is False
    assert "archived" not in [p["key"] for p in api.get("/processes").get_json()["items"]]
    assert "archived" in [p["key"] for p in api.get("/processes?archived=true").get_json()["items"]]
    create_lead(api, "After archiving")
    drive()
    assert count(ProcessInstance) == 1  # its trigger stopped
    started = api.post("/processes/archived/start", {"entity": "lead", "id": lead["id"]})
    assert started.status_code == 422
    assert api.post("/processes/archived/activate").status_code == 409
    done = api.post(f"/inbox/{task.id}/complete", {"data": {"verdict": "good"}})
    assert done.status_code == 200
    drive()
    assert count(ProcessInstance, ProcessInstance.status == "completed") == 1
    back = api.post("/processes/archived/unarchive").get_json()
    assert back["archived"] is False and back["active"] is False


def test_only_designers_save_publish_delete_or_archive(api, api_for, make_user):
    deploy(api, review_lead("guarded"))
    save_draft(api, review_lead("guarded"))
    clerk = api_for(make_user())
    assert save_draft(clerk, review_lead("guarded")).status_code == 403
    for path in ("/processes/guarded/draft/publish", "/processes/guarded/archive"):
        assert clerk.post(path).status_code == 403
    assert clerk.delete("/processes/guarded/draft").status_code == 403
    assert clerk.delete("/processes/guarded/versions/1").status_code == 403
