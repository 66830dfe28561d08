"""Input/output mappings, execution and task listeners and error variables, through the runner."""

from __future__ import annotations

from engine.spiff.runner import advance, complete_user_task
from engine.spiff.validation import validate_bpmn
from tests.unit.engine.spiff_diagrams import chain, document, end, flow, start
from tests.unit.engine.spiff_support import Recorder, begin, build, reload

EXT = "bpmn:extensionElements"


def js(body: str) -> str:
    """An inline JavaScript body for a listener or a mapping value."""
    return f'<camunda:script scriptFormat="javascript"><![CDATA[{body}]]></camunda:script>'


def listener(event: str, body: str, tag: str = "executionListener") -> str:
    """A listener with a JavaScript body."""
    return f'<camunda:{tag} event="{event}">{js(body)}</camunda:{tag}>'


def noop(task_id: str, extensions: str) -> str:
    """A script task doing nothing itself, with the given extension elements."""
    script = "<bpmn:script>pass</bpmn:script>"
    return f'<bpmn:scriptTask id="{task_id}"><{EXT}>{extensions}</{EXT}>{script}</bpmn:scriptTask>'


def log(entry: str) -> str:
    """JS appending `entry` to the variable `log`."""
    return f'execution.setVariable("log", (execution.getVariable("log") || []).concat(["{entry}"]));'


RATE_TIMES_TEN = js("execution.getVariable('rate') * 10")
ON_ASSIGNMENT = listener(
    "assignment", log("assigned:") + 'execution.setVariable("who", task.getAssignee());', "taskListener"
)
ON_CREATE = listener("create", log("create") + 'task.setAssignee("bob");', "taskListener")
ON_COMPLETE = listener(
    "complete", log("complete") + 'execution.setVariable("final", answer);', "taskListener"
)

IO_TASK = (
    f'<bpmn:scriptTask id="Calc" scriptFormat="javascript"><{EXT}><camunda:inputOutput>'
    '<camunda:inputParameter name="rate">0.2</camunda:inputParameter>'
    '<camunda:inputParameter name="base">${record["amount"] * 2}</camunda:inputParameter>'
    '<camunda:inputParameter name="items"><camunda:list><camunda:value>a</camunda:value>'
    "<camunda:value>${record['id']}</camunda:value><camunda:list><camunda:value>n</camunda:value>"
    "</camunda:list></camunda:list></camunda:inputParameter>"
    '<camunda:inputParameter name="info"><camunda:map><camunda:entry key="id">${record["id"]}</camunda:entry>'
    f'<camunda:entry key="twice">{js("record.id * 2")}</camunda:entry></camunda:map></camunda:inputParameter>'
    '<camunda:inputParameter name="record">shadowed</camunda:inputParameter>'
    '<camunda:outputParameter name="summary">${{"base": base, "items": items, "info": info}}'
    "</camunda:outputParameter>"
    f'<camunda:outputParameter name="computed">{RATE_TIMES_TEN}'
    "</camunda:outputParameter>"
    f"</camunda:inputOutput></{EXT}>"
    '<bpmn:script>execution.setVariable("seen_record", record); '
    'execution.setVariable("rate", rate * 2);</bpmn:script></bpmn:scriptTask>'
)


def test_input_parameters_are_local_and_output_parameters_reach_the_process() -> None:
    blob = build(
        [
            start("Begin"),
            '<bpmn:scriptTask id="Prep"><bpmn:script>record = {"id": 5, "amount": 10}</bpmn:script>'
            "</bpmn:scriptTask>",
            IO_TASK,
            end("Done"),
            chain("Begin", "Prep", "Calc", "Done"),
        ]
    )
    result = advance(begin(blob, {}), None)
    assert result.status == "completed", result.errors
    data = result.data
    assert data["seen_record"] == "shadowed"
    assert data["record"] == {"id": 5, "amount": 10}
    assert data["summary"] == {"base": 20, "items": ["a", 5, ["n"]], "info": {"id": 5, "twice": 10}}
    assert data["computed"] == 4.0
    assert not {"rate", "base", "items", "info"} & set(data)


def test_execution_listeners_run_in_order_start_end_then_take() -> None:
    blob = build(
        [
            f'<bpmn:startEvent id="Begin"><{EXT}>{listener("end", log("begin-end"))}</{EXT}>'
            "</bpmn:startEvent>",
            noop("Work", listener("start", log("work-start")) + listener("end", log("work-end"))),
            f'<bpmn:endEvent id="Done"><{EXT}>{listener("start", log("done-start"))}</{EXT}></bpmn:endEvent>',
            flow("F1", "Begin", "Work"),
            f'<bpmn:sequenceFlow id="F2" sourceRef="Work" targetRef="Done"><{EXT}>'
            f"{listener('take', log('take'))}</{EXT}></bpmn:sequenceFlow>",
        ]
    )
    result = advance(begin(blob, {}), None)
    assert result.status == "completed", result.errors
    assert result.data["log"] == ["begin-end", "work-start", "work-end", "take", "done-start"]


def test_task_listeners_set_the_assignee_and_run_on_assignment_and_complete() -> None:
    task = (
        f'<bpmn:userTask id="Review" camunda:assignee="ann"><{EXT}>'
        f"{ON_ASSIGNMENT}{ON_CREATE}{ON_COMPLETE}"
        f"</{EXT}></bpmn:userTask>"
    )
    blob = build([start("Begin"), task, end("Done"), chain("Begin", "Review", "Done")])
    workflow = begin(blob, {})
    first = advance(workflow, None)
    [open_task] = first.user_tasks
    assert open_task["assignee"] == "bob"
    assert first.data["log"] == ["assigned:", "create", "assigned:"]
    assert first.data["who"] == "bob"
    workflow = reload(workflow, blob)
    complete_user_task(workflow, open_task["task_id"], {"answer": 42})
    done = advance(workflow, None)
    assert done.status == "completed", done.errors
    assert done.data["log"][-1] == "complete" and done.data["final"] == 42


def taken(flow_id: str, target: str, entry: str, condition: str = "") -> str:
    """A flow from the gateway Gw with a take listener logging `entry`."""
    expression = f"<bpmn:conditionExpression>{condition}</bpmn:conditionExpression>" if condition else ""
    return (
        f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="Gw" targetRef="{target}">'
        f"<{EXT}>{listener('take', log(entry))}</{EXT}>{expression}</bpmn:sequenceFlow>"
    )


def test_take_listeners_run_only_on_the_flow_a_gateway_takes() -> None:
    blob = build(
        [
            start("Begin"),
            '<bpmn:exclusiveGateway id="Gw" default="F3" />',
            end("A"),
            end("B"),
            flow("F1", "Begin", "Gw"),
            taken("F2", "A", "to-a", "x == 1"),
            taken("F3", "B", "to-b"),
        ]
    )
    for x, want in ((1, ["to-a"]), (2, ["to-b"])):
        result = advance(begin(blob, {"x": x}), None)
        assert result.status == "completed", result.errors
        assert result.data["log"] == want


SUBPROCESS = (
    f'<bpmn:subProcess id="Sub"><{EXT}><camunda:inputOutput>'
    '<camunda:inputParameter name="inner">${x + 1}</camunda:inputParameter>'
    '<camunda:outputParameter name="out">${got}</camunda:outputParameter></camunda:inputOutput>'
    + listener("start", log("sub-start"))
    + listener("end", log("sub-end"))
    + f"</{EXT}>"
    '<bpmn:startEvent id="SS" /><bpmn:scriptTask id="In"><bpmn:script>got = inner * 10</bpmn:script>'
    '</bpmn:scriptTask><bpmn:endEvent id="SE" /><bpmn:sequenceFlow id="s1" sourceRef="SS" targetRef="In" />'
    '<bpmn:sequenceFlow id="s2" sourceRef="In" targetRef="SE" /></bpmn:subProcess>'
)


def test_a_subprocess_passes_its_locals_to_its_children_and_maps_outputs_back() -> None:
    blob = build([start("Begin"), SUBPROCESS, end("Done"), chain("Begin", "Sub", "Done")])
    result = advance(begin(blob, {"x": 1}), None)
    assert result.status == "completed", result.errors
    assert result.data["out"] == 20 and "inner" not in result.data
    assert result.data["log"] == ["sub-start", "sub-end"]


def test_expression_and_python_listeners_use_execution() -> None:
    python = '<camunda:script scriptFormat="python">execution.setVariable("py", 1)</camunda:script>'
    task = (
        f'<bpmn:scriptTask id="Work"><{EXT}>'
        '<camunda:executionListener event="start" expression="${execution.setVariable(&quot;ex&quot;, 2)}" />'
        f'<camunda:executionListener event="end">{python}</camunda:executionListener>'
        f"</{EXT}><bpmn:script>pass</bpmn:script></bpmn:scriptTask>"
    )
    blob = build([start("Begin"), task, end("Done"), chain("Begin", "Work", "Done")])
    result = advance(begin(blob, {}), None)
    assert result.status == "completed", result.errors
    assert (result.data["ex"], result.data["py"]) == (2, 1)


def test_a_failing_listener_errors_its_element() -> None:
    task = noop("Work", listener("start", "while (true) {}"))
    blob = build([start("Begin"), task, end("Done"), chain("Begin", "Work", "Done")])
    result = advance(begin(blob, {}), None)
    assert result.status == "error"
    assert result.errors[0]["element_id"] == "Work"
    assert "start listener failed: time limit" in result.errors[0]["message"]


ERROR_SUB = (
    '<bpmn:subProcess id="Sub"><bpmn:startEvent id="SubStart" />'
    '<bpmn:endEvent id="Fail"><bpmn:errorEventDefinition errorRef="Err" /></bpmn:endEvent>'
    '<bpmn:sequenceFlow id="SF" sourceRef="SubStart" targetRef="Fail" /></bpmn:subProcess>'
    '<bpmn:boundaryEvent id="Caught" attachedToRef="Sub"><bpmn:errorEventDefinition errorRef="Err" '
    'camunda:errorCodeVariable="code" camunda:errorMessageVariable="message" /></bpmn:boundaryEvent>'
)


def test_error_code_and_message_variables_are_set_when_the_error_is_caught() -> None:
    blob = build(
        [
            start("Begin"),
            ERROR_SUB,
            end("Done"),
            end("Handled"),
            chain("Begin", "Sub", "Done"),
            chain("Caught", "Handled"),
        ],
        extra=('<bpmn:error id="Err" name="Refused" errorCode="PAY-42" '
               'camunda:errorMessage="Payment refused" />'),
    )
    result = advance(begin(blob, {}), None)
    assert result.status == "completed", result.errors
    assert (result.data["code"], result.data["message"]) == ("PAY-42", "Payment refused")


def refusals(body: str) -> list[tuple[str | None, str]]:
    """Validation errors for a process body."""
    found = validate_bpmn(document(body), {})
    return [(e["element"], e["message"]) for e in found.errors]


def test_java_classes_delegates_bean_expressions_and_other_formats_are_refused() -> None:
    body = "\n".join(
        [
            start("Begin"),
            noop("A", '<camunda:executionListener event="start" class="com.acme.Audit" />'),
            f'<bpmn:userTask id="B"><{EXT}><camunda:taskListener event="create" '
            f'delegateExpression="${{auditBean}}" /></{EXT}></bpmn:userTask>',
            noop("C", '<camunda:executionListener event="end" expression="${mailer.send(execution)}" />'),
            f'<bpmn:scriptTask id="D"><{EXT}><camunda:executionListener event="end">'
            f'<camunda:script scriptFormat="groovy">println 1</camunda:script></camunda:executionListener>'
            f"</{EXT}><bpmn:script>pass</bpmn:script></bpmn:scriptTask>",
            '<bpmn:scriptTask id="E" scriptFormat="groovy"><bpmn:script>x = 1</bpmn:script>'
            "</bpmn:scriptTask>",
            f'<bpmn:scriptTask id="F"><{EXT}><camunda:inputOutput><camunda:inputParameter name="v">'
            '<camunda:script scriptFormat="ruby">1</camunda:script></camunda:inputParameter>'
            f"</camunda:inputOutput></{EXT}><bpmn:script>pass</bpmn:script></bpmn:scriptTask>",
            end("Done"),
            chain("Begin", "A", "B", "C", "D", "E", "F", "Done"),
        ]
    )
    found = refusals(body)
    expected = [
        ("A", "the Java class 'com.acme.Audit' cannot run here: use an external task topic"),
        ("B", "the Java delegateExpression '${auditBean}' cannot run here"),
        ("C", "the bean expression '${mailer.send(execution)}' cannot run here"),
        ("D", "script format 'groovy' is not supported"),
        ("E", "script format 'groovy' is not supported"),
        ("F", "input parameter 'v': script format 'ruby' is not supported"),
    ]
    missing = [(el, text) for el, text in expected if not any(e == el and text in m for e, m in found)]
    assert missing == [], found


def test_supported_listeners_and_mappings_validate_cleanly() -> None:
    body = "\n".join(
        [start("Begin"), IO_TASK.replace("Calc", "C2"), end("Done"), chain("Begin", "C2", "Done")]
    )
    assert refusals(body) == []


def test_an_external_service_task_keeps_its_parameters_and_runs_its_listeners() -> None:
    body = (
        '<camunda:inputOutput><camunda:inputParameter name="id">${record["id"]}</camunda:inputParameter>'
        "</camunda:inputOutput>"
        + listener("end", 'execution.setVariable("after", execution.getVariable("task_id"));')
    )
    task = (
        '<bpmn:serviceTask id="Call" camunda:type="external" camunda:topic="crm.create_task">'
        f"<{EXT}>{body}</{EXT}></bpmn:serviceTask>"
    )
    blob = build([start("Begin"), task, end("Done"), chain("Begin", "Call", "Done")])
    recorder = Recorder({"task_id": 12})
    result = advance(begin(blob, {"record": {"id": 5}}), recorder)
    assert result.status == "completed", result.errors
    assert recorder.calls[0][1] == {"id": 5}
    assert (result.data["task_id"], result.data["after"]) == (12, 12)


def test_a_python_task_listener_sets_the_assignee() -> None:
    body = '<camunda:script scriptFormat="python">task.setAssignee("carl@example.com")</camunda:script>'
    listened = f'<camunda:taskListener event="create">{body}</camunda:taskListener>'
    task = f'<bpmn:userTask id="Review"><{EXT}>{listened}</{EXT}></bpmn:userTask>'
    blob = build([start("Begin"), task, end("Done"), chain("Begin", "Review", "Done")])
    result = advance(begin(blob, {}), None)
    assert result.user_tasks[0]["assignee"] == "carl@example.com"


def test_a_failing_complete_listener_errors_the_user_task_instead_of_raising() -> None:
    listened = listener("complete", 'if (answer > 1) { throw new Error("too big"); }', "taskListener")
    task = f'<bpmn:userTask id="Review"><{EXT}>{listened}</{EXT}></bpmn:userTask>'
    blob = build([start("Begin"), task, end("Done"), chain("Begin", "Review", "Done")])
    workflow = begin(blob, {})
    open_task = advance(workflow, None).user_tasks[0]
    complete_user_task(workflow, open_task["task_id"], {"answer": 2})
    result = advance(workflow, None)
    assert result.status == "error"
    assert result.errors[0]["element_id"] == "Review"
    assert "complete listener failed: Error: too big" in result.errors[0]["message"]
