"""Deploy what Camunda 7 deploys, through the API: each case from Camunda 7's documentation.

Modeler-drawn subprocesses, processes without isExecutable, vendor extensions with ids, quoted
timer literals, several pools in one file, version tags, candidate starters, manual tasks,
elements called Start and End; every camunda:* attribute honoured, refused naming the
element, or answered as a warning.
"""
from __future__ import annotations

from sqlalchemy import select

from engine.models import EngineTimer, HumanTask, ProcessInstance
from extensions import db
from tests.integration.engine.diagrams import upload
from tests.integration.engine.runtime_support import create_lead, deploy, drive, instances, open_tasks

NS = ('xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
      'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
      'xmlns:signavio="http://www.signavio.com" targetNamespace="http://flowdesk.test/bpmn"')


def doc(*processes: str, extra: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions {NS} id="Defs">{extra}'
            + "".join(processes) + "</bpmn:definitions>").encode()


def process(pid: str, body: str, attrs: str = 'isExecutable="true"') -> str:
    return f'<bpmn:process id="{pid}" {attrs}>{body}</bpmn:process>'


def flows(*ids: str) -> str:
    return "".join(f'<bpmn:sequenceFlow id="F_{a}_{b}" sourceRef="{a}" targetRef="{b}" />'
                   for a, b in zip(ids, ids[1:], strict=False))


def script(eid: str, code: str, attrs: str = "") -> str:
    return (f'<bpmn:scriptTask id="{eid}" scriptFormat="python" {attrs}><bpmn:script>{code}</bpmn:script>'
            "</bpmn:scriptTask>")


def straight(pid: str, *middle: str, attrs: str = 'isExecutable="true"') -> str:
    """start -> the middle elements (each `<bpmn:... id="X">`) -> end."""
    ids = [f"{pid}_S"] + [m.split('id="')[1].split('"')[0] for m in middle] + [f"{pid}_E"]
    return process(pid, f'<bpmn:startEvent id="{ids[0]}" />' + "".join(middle)
                   + f'<bpmn:endEvent id="{ids[-1]}" />' + flows(*ids), attrs)


def start(api, key: str, **body: object):
    lead = create_lead(api, f"For {key}")
    return api.post(f"/processes/{key}/start", {"entity": "lead", "id": lead["id"], **body})


def run(api, key: str) -> ProcessInstance:
    resp = start(api, key)
    assert resp.status_code == 201, resp.get_json()
    drive()
    db.session.expire_all()
    return db.session.get(ProcessInstance, resp.get_json()["id"])


def variables(api, instance: ProcessInstance) -> dict:
    return api.get(f"/process-instances/{instance.id}").get_json()["variables"]


def test_modeler_subprocess_with_incoming_and_outgoing_runs(api):
    sub = ('<bpmn:subProcess id="Sub"><bpmn:incoming>F_modeler_sub_S_Sub</bpmn:incoming>'
           '<bpmn:outgoing>F_Sub_modeler_sub_E</bpmn:outgoing>'
           '<bpmn:startEvent id="SubStart"><bpmn:outgoing>F_SubStart_Inner</bpmn:outgoing></bpmn:startEvent>'
           + script("Inner", "inside = 41 + 1").replace("<bpmn:script>", "<bpmn:incoming>F_SubStart_Inner"
                                                        "</bpmn:incoming><bpmn:script>")
           + '<bpmn:endEvent id="SubEnd" />' + flows("SubStart", "Inner", "SubEnd") + "</bpmn:subProcess>")
    deploy(api, doc(straight("modeler_sub", sub)))
    instance = run(api, "modeler_sub")
    assert instance.status == "completed", instance.error_message
    assert variables(api, instance)["inside"] == 42


def test_process_without_is_executable_deploys_and_runs_and_false_is_left_out(api):
    body = doc(straight("plain", script("A", "a = 1"), attrs=""),
               straight("not_this", script("B", "b = 1"), attrs='isExecutable="false"'))
    version = deploy(api, body)
    assert version["key"] == "plain" and version["also_deployed"] == []
    assert api.get("/processes/not_this").status_code == 404
    assert run(api, "plain").status == "completed"


def test_several_pools_are_each_deployed_and_versioned(api):
    collaboration = ('<bpmn:collaboration id="Collab"><bpmn:participant id="P1" processRef="pool_a" />'
                     '<bpmn:participant id="P2" processRef="pool_b" /></bpmn:collaboration>')
    first = doc(straight("pool_a", script("A", "a = 1")), straight("pool_b", script("B", "b = 1")),
                extra=collaboration)
    version = deploy(api, first)
    assert version["key"] == "pool_a" and version["also_deployed"] == ["pool_b"]
    assert api.get("/processes/pool_b").get_json()["version"] == 1
    second = first.replace(b"b = 1", b"b = 2")
    deploy(api, second)
    assert api.get("/processes/pool_a").get_json()["version"] == 2
    assert api.get("/processes/pool_b").get_json()["version"] == 2
    assert variables(api, run(api, "pool_b"))["b"] == 2


def test_vendor_extension_elements_with_ids_deploy_with_a_warning(api):
    task = ('<bpmn:task id="T"><bpmn:extensionElements>'
            '<signavio:signavioMetaData id="T" metaKey="bgcolor" metaValue="#ffffff" />'
            '</bpmn:extensionElements></bpmn:task>')
    version = deploy(api, doc(straight("vendor", task)))
    assert any(w["element"] == "T" and "signavio" in w["message"] for w in version["warnings"]), version


def test_quoted_timer_literal_waits_like_an_unquoted_one(api):
    timer = ('<bpmn:intermediateCatchEvent id="Wait"><bpmn:timerEventDefinition>'
             '<bpmn:timeDuration>"PT1H"</bpmn:timeDuration></bpmn:timerEventDefinition>'
             "</bpmn:intermediateCatchEvent>")
    deploy(api, doc(straight("quoted_timer", timer)))
    instance = run(api, "quoted_timer")
    assert instance.status == "waiting", instance.error_message
    due = db.session.scalars(select(EngineTimer).where(EngineTimer.instance_id == instance.id)).all()
    assert [t.element_id for t in due] == ["Wait"]
    seconds = (due[0].due_at - instance.created_at).total_seconds()
    assert 3500 < seconds < 3700


def test_version_tag_and_accepted_attributes_are_answered(api):
    attrs = ('isExecutable="true" camunda:versionTag="1.2.0" camunda:historyTimeToLive="180"')
    task = script("A", "a = 1", 'camunda:jobPriority="5" camunda:exclusive="true"').replace(
        "<bpmn:script>", "<bpmn:extensionElements><camunda:failedJobRetryTimeCycle>R3/PT5M"
        "</camunda:failedJobRetryTimeCycle></bpmn:extensionElements><bpmn:script>")
    version = deploy(api, doc(straight("tagged", task, attrs=attrs)))
    assert version["version_tag"] == "1.2.0"
    messages: dict[str, list[str]] = {}
    for w in version["warnings"]:
        messages.setdefault(w["element"], []).append(w["message"])
    assert not any(m.startswith("camunda:historyTimeToLive") for m in messages.get("tagged", []))  # honoured
    assert any(m.startswith("camunda:jobPriority") for m in messages["A"])
    assert not any(m.startswith("camunda:failedJobRetryTimeCycle") for m in messages["A"])  # honoured
    assert not any("versionTag" in m or "exclusive" in m for ms in messages.values() for m in ms)
    assert run(api, "tagged").status == "completed"


def test_async_boundaries_deploy_without_warnings_and_commit_each_step(api):
    from engine.runtime import run_instance

    middle = (script("A", "a = 1", 'camunda:asyncBefore="true"'),
              script("B", "b = a + 1", 'camunda:asyncAfter="true"'), script("C", "c = b + 1"))
    version = deploy(api, doc(straight("asyncs", *middle)))
    assert version["warnings"] == []
    instance_id = start(api, "asyncs").get_json()["id"]
    seen = []
    for _ in range(5):  # one committed step at a time, as a worker runs them
        status = run_instance(instance_id)
        instance = db.session.get(ProcessInstance, instance_id)
        seen.append(sorted(k for k in "abc" if k in variables(api, instance)))
        if status != "running":
            break
    assert status == "completed"
    assert seen[-3:] == [[], ["a", "b"], ["a", "b", "c"]]  # before A, after B, the rest


def test_honoured_attributes_give_no_warning(api):
    user = ('<bpmn:userTask id="U" camunda:assignee="${initiator}" camunda:candidateGroups="sales" '
            'camunda:priority="70" camunda:dueDate="${dueAt}"><bpmn:extensionElements><camunda:formData>'
            '<camunda:formField id="ok" type="boolean" /></camunda:formData>'
            '<camunda:inputOutput><camunda:inputParameter name="x">1</camunda:inputParameter>'
            "</camunda:inputOutput></bpmn:extensionElements>"
            '<bpmn:multiInstanceLoopCharacteristics camunda:collection="${items}" '
            'camunda:elementVariable="item" /></bpmn:userTask>')
    attrs = ('isExecutable="true" camunda:versionTag="2" camunda:candidateStarterGroups="sales" '
             'camunda:candidateStarterUsers="admin@example.com"')
    version = deploy(api, doc(straight("honoured", user, attrs=attrs)))
    assert version["warnings"] == []


def test_unknown_camunda_attribute_is_a_warning_naming_the_element(api):
    version = deploy(api, doc(straight("odd", script("A", "a = 1", 'camunda:jobPriority="5" '
                                                                   'camunda:madeUp="x"'))))
    messages = [w["message"] for w in version["warnings"] if w["element"] == "A"]
    assert any(m.startswith("camunda:jobPriority") for m in messages)
    assert "camunda:madeUp is not supported on a scriptTask and is ignored" in messages


def test_java_delegates_and_connectors_are_refused_naming_element_and_class(api):
    java = ('<bpmn:serviceTask id="Charge" camunda:class="org.example.ChargeCard" />'
            '<bpmn:serviceTask id="Call" camunda:type="external" camunda:topic="crm.add_comment">'
            '<bpmn:extensionElements><camunda:connector><camunda:connectorId>http-connector'
            "</camunda:connectorId></camunda:connector></bpmn:extensionElements></bpmn:serviceTask>")
    resp = upload(api, doc(straight("java", java)))
    assert resp.status_code == 422
    errors = resp.get_json()["errors"]
    assert any(e["element"] == "Charge" and "org.example.ChargeCard" in e["message"]
               and "external" in e["message"] for e in errors), errors
    assert any(e["element"] == "Call" and "http-connector" in e["message"] for e in errors), errors


def test_manual_task_is_an_inbox_to_do_and_says_so(api):
    version = deploy(api, doc(straight("manual", '<bpmn:manualTask id="Sign" name="Sign the paper" '
                                                  'camunda:assignee="${initiator}" />',
                                       script("After", "after = True"))))
    assert any(w["element"] == "Sign" and "inbox to-do" in w["message"] for w in version["warnings"])
    instance = run(api, "manual")
    assert instance.status == "waiting", instance.error_message
    [task] = open_tasks(instance.id)
    assert task.element_id == "Sign" and task.name == "Sign the paper"
    assert api.post(f"/inbox/{task.id}/complete", {"data": {}}).status_code == 200
    drive()
    db.session.expire_all()
    assert db.session.get(ProcessInstance, instance.id).status == "completed"


def test_elements_called_start_and_end_are_ordinary(api):
    body = process("start_end", '<bpmn:startEvent id="Start" />'
                   '<bpmn:userTask id="Work" camunda:assignee="${initiator}" />'
                   '<bpmn:endEvent id="End" />' + flows("Start", "Work", "End"))
    deploy(api, doc(body))
    instance = run(api, "start_end")
    assert instance.status == "waiting", instance.error_message
    task = db.session.scalar(select(HumanTask).where(HumanTask.instance_id == instance.id))
    assert task.element_id == "Work"
    assert api.post(f"/inbox/{task.id}/complete", {"data": {}}).status_code == 200
    drive()
    db.session.expire_all()
    assert db.session.get(ProcessInstance, instance.id).status == "completed"
    detail = api.get(f"/process-instances/{instance.id}").get_json()
    assert {"Start", "Work", "End"} <= set(detail["task_states"]), detail["task_states"]


def test_candidate_starters_decide_who_starts_by_hand(api, api_for, make_user):
    from org.services.departments import create_department

    sales = create_department("Sales", actor=None)
    named, member = make_user("named@example.com"), make_user(department_id=sales.id)
    other = make_user()
    attrs = ('isExecutable="true" camunda:candidateStarterUsers="named@example.com" '
             'camunda:candidateStarterGroups="Sales"')
    deploy(api, doc(straight("guarded", script("A", "a = 1"), attrs=attrs)))

    def start_as(user):
        lead = create_lead(api, f"Owned by {user.email}", responsible_id=user.id)
        return api_for(user).post("/processes/guarded/start", {"entity": "lead", "id": lead["id"]})

    refused = start_as(other)
    assert refused.status_code == 403, refused.get_json()
    assert "candidate starters" in refused.get_json()["error"]
    assert start_as(named).status_code == 201
    assert start_as(member).status_code == 201
    assert len(instances()) == 2
    deploy(api, doc(straight("open_to_all", script("A", "a = 1"))))
    lead = create_lead(api, "Anyone", responsible_id=other.id)
    resp = api_for(other).post("/processes/open_to_all/start", {"entity": "lead", "id": lead["id"]})
    assert resp.status_code == 201


def test_warnings_on_the_process_page_and_in_the_designer_answer(app, admin):
    from io import BytesIO

    from tests.integration.process_pages_support import Browser

    web = Browser(app, admin)
    xml = doc(straight("paged", script("A", "a = 1", 'camunda:jobPriority="5"')))
    saved = web.post("/processes/deploy", data={"file": (BytesIO(xml), "d.bpmn")},
                     content_type="multipart/form-data", headers={"Accept": "application/json"})
    assert saved.status_code == 201
    assert [w["element"] for w in saved.json["warnings"]] == ["A"]
    page = web.get("/processes/paged").get_data(as_text=True)
    assert 'id="process-warnings"' in page and 'data-element="A"' in page and "jobPriority" in page
    designer = web.get("/processes/paged/versions/1/edit").get_data(as_text=True)
    assert "data-engine-warnings=" in designer and "jobPriority" in designer
    quiet = doc(straight("quiet", script("B", "b = 1")))
    answer = web.post("/processes/deploy", data={"file": (BytesIO(quiet), "q.bpmn")},
                      content_type="multipart/form-data", headers={"Accept": "application/json"})
    assert "warnings" not in answer.json
    assert 'id="process-warnings"' not in web.get("/processes/quiet").get_data(as_text=True)


def test_initiator_names_the_variable_that_holds_the_starter(api, admin):
    body = process("with_starter", '<bpmn:startEvent id="Begin" camunda:initiator="starter" />'
                   + script("Copy", "who = starter") + '<bpmn:endEvent id="Done" />'
                   + flows("Begin", "Copy", "Done"))
    version = deploy(api, doc(body))
    assert version["warnings"] == []
    instance = run(api, "with_starter")
    assert instance.status == "completed", instance.error_message
    found = variables(api, instance)
    assert found["starter"] == admin.id and found["who"] == admin.id


def test_every_pool_keeps_its_own_record_triggers_and_timer_starts(api):
    from engine.event_models import TimerStartSchedule

    first = straight("pool_main", script("A", "a = 1"))
    on_lead = process("pool_leads", '<bpmn:startEvent id="OnLead"><bpmn:messageEventDefinition '
                      'messageRef="Msg_lead" /></bpmn:startEvent>' + script("L", "seen = True")
                      + '<bpmn:endEvent id="LEnd" />' + flows("OnLead", "L", "LEnd"))
    nightly = process("pool_nightly", '<bpmn:startEvent id="Nightly"><bpmn:timerEventDefinition>'
                      "<bpmn:timeCycle>0 0 2 * * ?</bpmn:timeCycle></bpmn:timerEventDefinition>"
                      '</bpmn:startEvent><bpmn:endEvent id="NEnd" />' + flows("Nightly", "NEnd"))
    message = '<bpmn:message id="Msg_lead" name="lead.created" />'
    version = deploy(api, doc(first, on_lead, nightly, extra=message))
    assert version["also_deployed"] == ["pool_leads", "pool_nightly"]
    triggers = api.get("/processes/pool_leads").get_json()["triggers"]
    assert [(t["message"], t["element_id"]) for t in triggers] == [("lead.created", "OnLead")]
    create_lead(api, "Starts the second pool")
    drive()
    [started] = [i for i in instances() if i.version.process_id == "pool_leads"]
    assert started.status == "completed", started.error_message
    schedules = db.session.scalars(select(TimerStartSchedule)).all()
    assert [s.element_id for s in schedules] == ["Nightly"]
