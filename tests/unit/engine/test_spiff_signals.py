"""Signals, receive tasks and timer/signal start events through the runner."""

from __future__ import annotations

from engine.spiff import event_starts
from engine.spiff.runner import advance, deliver_message, get_task_states, load_spec, new_workflow
from tests.unit.engine.spiff_diagrams import chain, document, end, message, start, user_task
from tests.unit.engine.spiff_support import Recorder, begin, build, reload

SIGNAL = '<bpmn:signal id="Sig" name="prices.changed" />\n'


def signal_event(tag: str, event_id: str, attrs: str = "") -> str:
    return (f'<bpmn:{tag} id="{event_id}" {attrs}><bpmn:signalEventDefinition id="{event_id}_def" '
            f'signalRef="Sig" /></bpmn:{tag}>')


def test_signal_catch_waits_and_takes_the_signal_variables() -> None:
    body = [start("Begin"), signal_event("intermediateCatchEvent", "WaitPrices"), user_task("Check"),
            end("Done"), chain("Begin", "WaitPrices", "Check", "Done")]
    blob = build(body, extra=SIGNAL)
    workflow = begin(blob)
    result = advance(workflow, Recorder())
    assert [(m["element_id"], m["message"], m["kind"]) for m in result.messages] == [
        ("WaitPrices", "prices.changed", "signal")]
    workflow = reload(workflow, blob)
    assert event_starts.deliver_signal(workflow, "other", {}) == []
    assert event_starts.deliver_signal(workflow, "prices.changed", {"rate": 3}) == ["WaitPrices"]
    result = advance(workflow, Recorder())
    assert [t["element_id"] for t in result.user_tasks] == ["Check"] and result.data["rate"] == 3


def test_signal_boundary_interrupts_the_user_task() -> None:
    body = [start("Begin"), user_task("Work"), signal_event("boundaryEvent", "Stop", 'attachedToRef="Work"'),
            end("Done"), end("Stopped"), chain("Begin", "Work", "Done"), chain("Stop", "Stopped")]
    workflow = begin(build(body, extra=SIGNAL))
    advance(workflow, Recorder())
    assert event_starts.deliver_signal(workflow, "prices.changed", {}) == ["Stop"]
    assert advance(workflow, Recorder()).status == "completed"
    assert get_task_states(workflow)["Work"] == "cancelled"


def test_thrown_signals_are_reported_and_signal_starts_are_known() -> None:
    body = [start("Begin"), signal_event("intermediateThrowEvent", "Announce"), end("Done"),
            chain("Begin", "Announce", "Done")]
    workflow = begin(build(body, extra=SIGNAL))
    done_before = {t.id for t in workflow.get_tasks()} - {t.id for t in workflow.get_tasks()}
    assert advance(workflow, Recorder()).status == "completed"
    assert event_starts.thrown_signals(workflow, done_before) == [
        {"name": "prices.changed", "element_id": "Announce"}]
    ending = begin(build([start("Begin"), signal_event("endEvent", "Shout"), chain("Begin", "Shout")],
                         extra=SIGNAL))
    assert advance(ending, Recorder()).status == "completed"
    assert event_starts.thrown_signals(ending, set()) == [{"name": "prices.changed", "element_id": "Shout"}]
    spec, subs = load_spec(document("\n".join(
        [signal_event("startEvent", "OnPrices"), user_task("Review"), end("Done"),
         chain("OnPrices", "Review", "Done")]), extra=SIGNAL), "test_process")
    assert event_starts.start_event_names(spec, "signal") == {"prices.changed"}
    workflow = new_workflow(spec, subs, {})
    assert event_starts.fire_start_event(workflow, "signal", "prices.changed", {"rate": 2}) == "OnPrices"
    result = advance(workflow, Recorder())
    assert [t["element_id"] for t in result.user_tasks] == ["Review"] and result.data["rate"] == 2


def test_timer_start_event_is_left_to_the_platform_and_fired_by_element() -> None:
    timer = ('<bpmn:startEvent id="Nine"><bpmn:timerEventDefinition><bpmn:timeCycle>0 0 9 * * ?'
             '</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>')
    spec, subs = load_spec(document("\n".join(
        [timer, start("ByHand"), user_task("Review"), end("Done"), chain("Nine", "Review"),
         chain("ByHand", "Review", "Done")])), "test_process")
    assert event_starts.timer_starts(spec) == [
        {"element_id": "Nine", "kind": "cron", "expression": "0 0 9 * * ?"}]
    by_hand = new_workflow(spec, subs, {})
    result = advance(by_hand, Recorder())
    assert result.timers == [] and [t["element_id"] for t in result.user_tasks] == ["Review"]
    by_timer = new_workflow(spec, subs, {})
    assert event_starts.fire_start_event(by_timer, "timer", "Nine", {}) == "Nine"
    result = advance(by_timer, Recorder())
    assert [t["element_id"] for t in result.user_tasks] == ["Review"] and result.timers == []
    assert get_task_states(by_timer)["Nine"] == "completed"


def test_receive_task_waits_for_its_message() -> None:
    body = [start("Begin"), '<bpmn:receiveTask id="Receive" messageRef="Paid" />', end("Done"),
            chain("Begin", "Receive", "Done")]
    blob = build(body, extra=message("Paid", "invoice.paid"))
    workflow = begin(blob)
    result = advance(workflow, Recorder())
    assert [(m["element_id"], m["message"]) for m in result.messages] == [("Receive", "invoice.paid")]
    assert deliver_message(reload(workflow, blob), "invoice.paid", {"amount": 5}) == ["Receive"]


def test_timer_start_due_times_as_camunda_computes_them() -> None:
    from datetime import datetime

    now = datetime(2026, 12, 4, 5, 0, 0)
    assert event_starts.first_due("cron", "0 0 9 * * ?", now) == (datetime(2026, 12, 4, 9), None)
    assert event_starts.next_due("cron", "0 0 9 * * ?", datetime(2026, 12, 4, 9), None) == (
        datetime(2026, 12, 5, 9), None)
    assert event_starts.first_due("cycle", "R3/PT10M", now) == (datetime(2026, 12, 4, 5, 10), 3)
    assert event_starts.next_due("cycle", "R3/PT10M", datetime(2026, 12, 4, 5, 10), 3) == (
        datetime(2026, 12, 4, 5, 20), 2)
    assert event_starts.next_due("cycle", "R3/PT10M", datetime(2026, 12, 4, 5, 30), 1) == (None, 0)
    assert event_starts.next_due("cycle", "R/PT1H", now, None) == (datetime(2026, 12, 4, 6), None)
    assert event_starts.first_due("duration", "PT5M", now) == (datetime(2026, 12, 4, 5, 5), 1)
    assert event_starts.first_due("date", "2027-01-01T10:00:00+01:00", now) == (datetime(2027, 1, 1, 9), 1)
    assert event_starts.next_due("date", "2027-01-01T10:00:00Z", now, 1) == (None, 0)


def test_signal_event_subprocess_starts_on_the_signal() -> None:
    esp = ('<bpmn:subProcess id="OnPrices" triggeredByEvent="true">'
           + signal_event("startEvent", "PricesStart", 'isInterrupting="false"')
           + user_task("Reprice") + end("EspEnd") + chain("PricesStart", "Reprice", "EspEnd")
           + "</bpmn:subProcess>")
    body = [start("Begin"), user_task("Work"), end("Done"), chain("Begin", "Work", "Done"), esp]
    blob = build(body, extra=SIGNAL)
    workflow = begin(blob)
    result = advance(workflow, Recorder())
    assert [(m["element_id"], m["kind"]) for m in result.messages] == [("PricesStart", "signal")]
    workflow = reload(workflow, blob)
    assert event_starts.deliver_signal(workflow, "prices.changed", {"rate": 1}) == ["PricesStart"]
    result = advance(workflow, Recorder())
    assert sorted(t["element_id"] for t in result.user_tasks) == ["Reprice", "Work"]
