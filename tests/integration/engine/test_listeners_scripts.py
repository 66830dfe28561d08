"""Listeners, input/output mappings and JavaScript through the API, the runtime and the database."""
from __future__ import annotations

from tests.integration.engine.diagrams import chain, upload
from tests.integration.engine.runtime_support import create_lead, deploy, drive, only_instance, open_tasks

EXT = "bpmn:extensionElements"


def _js(event: str, body: str, tag: str = "executionListener") -> str:
    return (f'<camunda:{tag} event="{event}"><camunda:script scriptFormat="javascript">'
            f"<![CDATA[{body}]]></camunda:script></camunda:{tag}>")


def _review(assignee_email: str) -> tuple[str, str, str, str]:
    """A user task whose create listener picks the assignee and whose end listener marks the record."""
    listeners = (
        _js("create", f'task.setAssignee("{assignee_email}");', "taskListener")
        + _js("end", 'execution.setVariable("reviewed_by", execution.getVariable("reviewer_label"));')
    )
    io = ('<camunda:inputOutput><camunda:inputParameter name="reviewer_label">'
          '${"lead " + str(record.id)}</camunda:inputParameter></camunda:inputOutput>')
    return ("userTask", "Review", 'name="Review lead" camunda:assignee="${record.responsible_id}"',
            f"<{EXT}>{listeners}{io}</{EXT}>")


def _score() -> tuple[str, str, str, str]:
    script = 'execution.setVariable("score", record.title.length * 2);'
    body = f"<bpmn:script><![CDATA[{script}]]></bpmn:script>"
    return ("scriptTask", "Score", 'scriptFormat="javascript"', body)


def test_a_create_listener_assigns_the_task_and_an_end_listener_sets_a_variable(api, api_for, make_user):
    bob = make_user("bob@example.com")
    deploy(api, chain("listened", _score(), _review("bob@example.com")))
    lead = create_lead(api, title="Acme")
    drive()
    instance = only_instance()
    assert instance.status == "waiting", instance.error_message
    (task,) = open_tasks(instance.id)
    assert task.assignee_id == bob.id
    done = api_for(bob).post(f"/inbox/{task.id}/complete", {"data": {}})
    assert done.status_code == 200, done.get_json()
    drive()
    detail = api.get(f"/process-instances/{instance.id}").get_json()
    assert detail["status"] == "completed", detail
    assert detail["variables"]["score"] == 8
    assert detail["variables"]["reviewed_by"] == f"lead {lead['id']}"
    assert "reviewer_label" not in detail["variables"]


def test_a_java_class_listener_is_refused_at_upload_naming_the_element(api):
    listener = '<camunda:executionListener event="start" class="com.acme.AuditListener" />'
    review = ("userTask", "Review", 'name="Review"', f"<{EXT}>{listener}</{EXT}>")
    resp = upload(api, chain("refused", review))
    assert resp.status_code in (400, 422), resp.get_json()
    text = str(resp.get_json())
    assert "Review" in text and "com.acme.AuditListener" in text and "external task topic" in text
