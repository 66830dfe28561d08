"""Call activities as child instances across files, bindings, incidents, errors, termination;
multi-instance through the API and the step path."""
from __future__ import annotations

import time

from engine.models import ProcessInstance
from extensions import db
from tests.integration.engine.diagrams import chain, script_task, user_task
from tests.integration.engine.runtime_support import (
    create_lead,
    deploy,
    drive,
    instances,
    log_kinds,
    only_instance,
    open_tasks,
)
from tests.support.browser import session_client


def call(element_id: str, called: str, attrs: str = "", mappings: str = "", loop: str = "") -> tuple:
    """A call activity step for `chain`."""
    body = f"<bpmn:extensionElements>{mappings}</bpmn:extensionElements>{loop}"
    return ("callActivity", element_id, f'calledElement="{called}" {attrs}', body)


def process(process_id: str, *steps: tuple, tag: str | None = None) -> bytes:
    """A none-start process (callable) with an optional camunda:versionTag."""
    xml = chain(process_id, *steps, message=None)
    if tag:
        xml = xml.replace(f'<bpmn:process id="{process_id}"'.encode(),
                          f'<bpmn:process id="{process_id}" camunda:versionTag="{tag}"'.encode())
    return xml


APPROVAL = process(
    "approval",
    user_task("Approve", "Approve ${amount}", fields='<camunda:formField id="verdict" type="string" />'),
    script_task("Score", "score = amount * 2"))
ORDER = chain(
    "order", script_task("Prepare", "amount = 21\nsecret = 1"),
    call("Call", "approval", mappings='<camunda:in source="amount" target="amount" />'
         '<camunda:out source="score" target="score" /><camunda:out source="verdict" target="verdict" />'),
    user_task("Ship", "Ship"))


def detail(api, instance_id: int) -> dict:
    resp = api.get(f"/process-instances/{instance_id}")
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_cross_file_call_runs_a_child_instance_and_resumes_the_parent(api, app, admin):
    deploy(api, APPROVAL)
    deploy(api, ORDER)
    create_lead(api)
    drive()
    parent = only_instance(parent_instance_id=None)
    child = only_instance(parent_instance_id=parent.id)
    assert (parent.status, child.status) == ("waiting", "waiting")
    assert (child.parent_element_id, child.depth) == ("Call", parent.depth + 1)
    assert child.entity_id == parent.entity_id, "the child is about the caller's record"
    variables = detail(api, child.id)["variables"]
    assert variables["amount"] == 21 and "secret" not in variables, "only camunda:in variables go in"
    links = detail(api, parent.id)
    children = [(c["id"], c["key"], c["element_id"]) for c in links["children"]]
    assert children == [(child.id, "approval", "Call")]
    assert detail(api, child.id)["parent"]["id"] == parent.id
    html = session_client(app, admin).get(f"/processes/instances/{parent.id}").get_data(as_text=True)
    assert f'data-child="{child.id}"' in html
    html = session_client(app, admin).get(f"/processes/instances/{child.id}").get_data(as_text=True)
    assert 'id="instance-parent"' in html and f"#{parent.id}" in html

    (task,) = open_tasks(child.id)
    resp = api.post(f"/inbox/{task.id}/complete", {"data": {"verdict": "fine"}})
    assert resp.status_code == 200, resp.get_json()
    drive()
    db.session.expire_all()
    assert db.session.get(ProcessInstance, child.id).status == "completed"
    parent = db.session.get(ProcessInstance, parent.id)
    assert parent.status == "waiting"
    variables = detail(api, parent.id)["variables"]
    assert (variables["score"], variables["verdict"]) == (42, "fine")
    assert [t.element_id for t in open_tasks(parent.id)] == ["Ship"]
    assert {"call_started", "call_completed"} <= set(log_kinds(parent.id))


def _which(n: int, tag: str) -> bytes:
    return process("helper", script_task("Set", f"which = {n}"), tag=tag)


def test_bindings_latest_version_and_version_tag(api):
    deploy(api, _which(1, "release-1"))
    deploy(api, _which(2, "release-2"))
    tags = [v["version_tag"] for v in api.get("/processes/helper").get_json()["versions"]]
    assert tags == ["release-1", "release-2"], "camunda:versionTag is kept on each version"
    out = '<camunda:out variables="all" />'
    bindings = {
        "latest": "", "version": 'camunda:calledElementBinding="version" camunda:calledElementVersion="1"',
        "tag": 'camunda:calledElementBinding="versionTag" camunda:calledElementVersionTag="release-2"'}
    for name, attrs in bindings.items():
        deploy(api, chain(f"caller_{name}", call("Call", "helper", attrs, out), user_task("Hold", "Hold")))
    create_lead(api)
    drive()
    found = {i.version.definition.key: detail(api, i.id)["variables"].get("which")
             for i in instances(parent_instance_id=None)}
    assert found == {"caller_latest": 2, "caller_version": 1, "caller_tag": 2}
    versions = {c.version.number for c in instances() if c.parent_instance_id}
    assert versions == {1, 2}


def test_same_file_called_process_is_deployed_and_bound_by_deployment(api):
    inner = ('<bpmn:process id="inner" isExecutable="true"><bpmn:startEvent id="InStart" />'
             '<bpmn:scriptTask id="InSet" scriptFormat="python"><bpmn:script>inner_ran = True</bpmn:script>'
             '</bpmn:scriptTask><bpmn:endEvent id="InEnd" /><bpmn:sequenceFlow id="In1" sourceRef="InStart" '
             'targetRef="InSet" /><bpmn:sequenceFlow id="In2" sourceRef="InSet" targetRef="InEnd" />'
             "</bpmn:process>")
    caller = chain("outer", call("Call", "inner", 'camunda:calledElementBinding="deployment"',
                                 '<camunda:out source="inner_ran" target="inner_ran" />'),
                   user_task("Hold", "Hold"))
    xml = caller.replace(b"</bpmn:definitions>", inner.encode() + b"</bpmn:definitions>")
    body = deploy(api, xml)
    assert body["key"] == "outer"
    assert api.get("/processes/inner").status_code == 200, "the called process got its own version"
    create_lead(api)
    drive()
    parent = only_instance(parent_instance_id=None)
    assert detail(api, parent.id)["variables"]["inner_ran"] is True


def test_a_missing_called_process_is_an_incident_and_retry_runs_it_once_deployed(api):
    deploy(api, chain("caller", call("Call", "billing"), user_task("Hold", "Hold")))
    create_lead(api)
    drive()
    parent = only_instance()
    assert parent.status == "error" and parent.error_element == "Call"
    assert "'billing' is not deployed" in parent.error_message
    assert [i["kind"] for i in api.get("/incidents").get_json()["items"]] == ["failedCall"]
    deploy(api, process("billing", script_task("Bill", "billed = True")))
    assert api.post(f"/process-instances/{parent.id}/retry").status_code == 200
    drive()
    db.session.expire_all()
    assert db.session.get(ProcessInstance, parent.id).status == "waiting"
    assert only_instance(parent_instance_id=parent.id).status == "completed"


def test_a_child_error_end_event_reaches_the_callers_boundary_event(api):
    failing = process("failing", script_task("Work", "x = 1")).replace(
        b'<bpmn:endEvent id="EndEvent_1" />',
        b'<bpmn:endEvent id="EndEvent_1"><bpmn:errorEventDefinition errorRef="Err" /></bpmn:endEvent>'
    ).replace(b"<bpmn:process", b'<bpmn:error id="Err" name="Failed" errorCode="failed" /><bpmn:process', 1)
    deploy(api, failing)
    boundary = ('<bpmn:boundaryEvent id="Caught" attachedToRef="Call">'
                '<bpmn:errorEventDefinition errorRef="Err2" /></bpmn:boundaryEvent>'
                '<bpmn:userTask id="Handle" name="Handle" /><bpmn:endEvent id="End2" />'
                '<bpmn:sequenceFlow id="B1" sourceRef="Caught" targetRef="Handle" />'
                '<bpmn:sequenceFlow id="B2" sourceRef="Handle" targetRef="End2" />')
    caller = chain("careful", call("Call", "failing"), user_task("Hold", "Hold"), extra=boundary).replace(
        b"<bpmn:process", b'<bpmn:error id="Err2" name="Failed" errorCode="failed" /><bpmn:process', 1)
    deploy(api, caller)
    create_lead(api)
    drive()
    parent = only_instance(parent_instance_id=None)
    assert parent.status == "waiting", parent.error_message
    assert [t.element_id for t in open_tasks(parent.id)] == ["Handle"]


def test_terminating_the_parent_terminates_its_children_and_depth_is_bounded(api, app):
    deploy(api, APPROVAL)
    deploy(api, ORDER)
    create_lead(api)
    drive()
    parent = only_instance(parent_instance_id=None)
    assert api.post(f"/process-instances/{parent.id}/terminate").status_code == 200
    db.session.expire_all()
    child = only_instance(parent_instance_id=parent.id)
    assert child.status == "terminated" and open_tasks(child.id) == []

    create_lead(api, "Alone")
    drive()
    caller = instances(parent_instance_id=None, status="waiting")[0]
    lone = only_instance(parent_instance_id=caller.id)
    assert api.post(f"/process-instances/{lone.id}/terminate").status_code == 200
    db.session.expire_all()
    caller = db.session.get(ProcessInstance, caller.id)
    assert caller.status == "error" and f"#{lone.id} was terminated" in caller.error_message
    assert api.post(f"/process-instances/{caller.id}/retry").status_code == 200
    drive()
    assert len(instances(parent_instance_id=caller.id, status="waiting")) == 1, "retry started a new child"

    app.config["ENGINE_MAX_CALL_DEPTH"] = 2
    try:
        deploy(api, process("looping", ("callActivity", "Again", 'calledElement="looping"', "")))
        deploy(api, chain("starter", call("Call", "looping")))
        create_lead(api, "Deep")
        drive()
    finally:
        app.config["ENGINE_MAX_CALL_DEPTH"] = 10
    deepest = max(instances(), key=lambda i: i.depth)
    assert deepest.depth == 2 and deepest.status == "error"
    assert "call depth limit of 2" in deepest.error_message
    kinds = {i["instance_id"]: i["kind"] for i in api.get("/incidents").get_json()["items"]}
    assert kinds[deepest.id] == "callDepth"


def test_an_interrupted_call_activity_terminates_its_child(api):
    deploy(api, APPROVAL)
    timeout = ('<bpmn:boundaryEvent id="Timeout" attachedToRef="Call"><bpmn:timerEventDefinition>'
               "<bpmn:timeDuration>PT3S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>"
               '<bpmn:userTask id="Late" name="Late" /><bpmn:endEvent id="LateEnd" />'
               '<bpmn:sequenceFlow id="T1" sourceRef="Timeout" targetRef="Late" />'
               '<bpmn:sequenceFlow id="T2" sourceRef="Late" targetRef="LateEnd" />')
    mappings = '<camunda:in source="amount" target="amount" />'
    steps = (script_task("Prepare", "amount = 1"), call("Call", "approval", "", mappings))
    deploy(api, chain("impatient", *steps, extra=timeout))
    create_lead(api)
    started = time.monotonic()
    drive()
    parent = only_instance(parent_instance_id=None)
    child = only_instance(parent_instance_id=parent.id)
    assert child.status == "waiting"  # 3 s: long enough that a loaded machine's drive() is done
    time.sleep(max(0.0, 3.2 - (time.monotonic() - started)))
    drive()
    db.session.expire_all()
    assert [t.element_id for t in open_tasks(parent.id)] == ["Late"]
    assert db.session.get(ProcessInstance, child.id).status == "terminated"
    assert open_tasks(child.id) == []


def _mi(attrs: str) -> str:
    return f"<bpmn:multiInstanceLoopCharacteristics {attrs} />"


def test_a_multi_instance_call_starts_one_child_per_item(api):
    deploy(api, process("double", script_task("Twice", "twice = n * 2")))
    mappings = '<camunda:in source="n" target="n" /><camunda:out source="twice" target="last" />'
    loop = _mi('camunda:collection="ns" camunda:elementVariable="n"')
    fan = call("Call", "double", "", mappings, loop)
    deploy(api, chain("fan", script_task("Make", "ns = [1, 2, 3]"), fan, user_task("Hold", "Hold")))
    create_lead(api)
    drive()
    parent = only_instance(parent_instance_id=None)
    children = instances(parent_instance_id=parent.id)
    assert [c.status for c in children] == ["completed"] * 3
    assert len({c.parent_task_uuid for c in children}) == 3
    assert detail(api, parent.id)["variables"]["last"] in (2, 4, 6)
    assert [t.element_id for t in open_tasks(parent.id)] == ["Hold"]


def test_parallel_multi_instance_of_a_thousand_items_through_the_step_path(api):
    mi = ("scriptTask", "Each", 'scriptFormat="python"',
          _mi('camunda:collection="${items}" camunda:elementVariable="item"')
          + "<bpmn:script>last = item</bpmn:script>")
    make = script_task("Make", "items = list(range(1000))")
    deploy(api, chain("bulk", make, mi, user_task("Hold", "Hold")))
    create_lead(api)
    started = time.perf_counter()
    drive()
    elapsed = time.perf_counter() - started
    instance = only_instance()
    assert instance.status == "waiting" and [t.element_id for t in open_tasks(instance.id)] == ["Hold"]
    assert len(instance.state) < 60_000, len(instance.state)
    # the time is printed, not asserted: pass/fail tests hold no timing limits (bench/ measures)
    print(f"1,000-item parallel multi-instance: {elapsed:.2f} s, state {len(instance.state)} bytes")


def test_multi_instance_user_tasks_one_row_per_item_with_the_element_variable(api, admin):
    mi = user_task("Review", "Review", assignee="${reviewer}",
                   fields='<camunda:formField id="thing" type="string" defaultValue="${item}" />')
    mi = (mi[0], mi[1], mi[2], _mi('camunda:collection="things" camunda:elementVariable="item"') + mi[3])
    deploy(api, chain("reviews", script_task("Make", f'things = ["a", "b", "c"]\nreviewer = {admin.id}'),
                      mi, user_task("Hold", "Hold")))
    create_lead(api)
    drive()
    instance = only_instance()
    rows = open_tasks(instance.id)
    assert [(r.element_id, r.assignee_id) for r in rows] == [("Review", admin.id)] * 3
    assert sorted(r.form[0]["default"] for r in rows) == ["a", "b", "c"], "the form sees the element variable"
    for row in rows:
        assert api.post(f"/inbox/{row.id}/complete", {"data": {}}).status_code == 200
    drive()
    assert [t.element_id for t in open_tasks(instance.id)] == ["Hold"]
