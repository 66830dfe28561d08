"""engine.assignment: assignee/candidate/lane resolution rules, with the directory faked."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from engine import assignment
from engine.assignment import evaluate_expression, is_expression, resolve_assignment, split_list
from engine.spiff.sandbox import SandboxError

USERS = {1: "ann@example.com", 2: "bob@example.com", 3: "cid@example.com"}
GROUPS = {"sales": ["department:4"], "4": ["department:4"], "board": ["workgroup:7"]}


@pytest.fixture(autouse=True)
def directory(monkeypatch):
    def find(ref):
        if isinstance(ref, bool):
            return None
        for uid, email in USERS.items():
            if str(ref).strip() in (str(uid), email):
                return SimpleNamespace(id=uid, email=email)
        return None

    monkeypatch.setattr(assignment, "find_active_user", find)
    monkeypatch.setattr(assignment, "group_keys_for_name", lambda name: GROUPS.get(name.strip().lower(), []))
    monkeypatch.setattr(assignment, "_department_exists", lambda ref: ref.strip() in ("4", "5"))
    monkeypatch.setattr(assignment, "_workgroup_exists", lambda ref: ref.strip() in ("7", "9"))


VARS = {"record": {"responsible_id": 2, "title": "Acme"}, "owners": [1, 3], "team": "Sales"}


def test_split_keeps_commas_inside_expressions():
    assert split_list("a, ${f(x, y)} ,b,,") == ["a", "${f(x, y)}", "b"]
    assert split_list("") == []
    assert is_expression(" ${x} ") and not is_expression("x}")


def test_expressions_are_juel():
    assert evaluate_expression("${record.responsible_id}", VARS) == 2
    assert evaluate_expression("#{record['title'].concat('!')}", VARS) == "Acme!"
    assert evaluate_expression("literal", VARS) == "literal"
    with pytest.raises(SandboxError):
        evaluate_expression("${().__class__}", VARS)


@pytest.mark.parametrize("assignee, expected", [
    ("1", 1), ("ann@example.com", 1), ("${record.responsible_id}", 2), ("${owners[1]}", 3),
])
def test_assignee_by_id_email_or_expression(assignee, expected):
    out = resolve_assignment({"assignee": assignee}, VARS, responsible_id=3)
    assert out.assignee_id == expected and out.notes == []


def test_unknown_assignee_falls_back_to_the_responsible_with_a_note():
    out = resolve_assignment({"assignee": "ghost@example.com"}, VARS, responsible_id=3)
    assert out.assignee_id == 3
    assert out.notes == ["Unknown assignee 'ghost@example.com'"]


def test_unknown_assignee_with_candidates_goes_to_the_candidates():
    out = resolve_assignment({"assignee": "${record.nope}", "candidate_users": "2"}, VARS,
                             responsible_id=3)
    assert out.assignee_id is None and out.user_ids == [2]
    assert out.notes == ["The assignee ${record.nope} gave no user"]  # a missing map key is null
    out = resolve_assignment({"assignee": "${nobody}", "candidate_users": "2"}, VARS, responsible_id=3)
    assert out.assignee_id is None and out.user_ids == [2]
    assert "failed" in out.notes[0] and "Cannot resolve identifier 'nobody'" in out.notes[0]


def test_candidate_users_from_lists_and_expressions():
    out = resolve_assignment({"candidate_users": "bob@example.com, ${owners}, 9"}, VARS)
    assert out.user_ids == [2, 1, 3]
    assert out.notes == ["Unknown candidate user '9'"]


def test_candidate_groups_are_names_ids_or_department_workgroup_keys():
    """A name is kept as its name, case-folded: whoever bears it when they look holds it."""
    task = {"candidateGroups": "Sales, department:5, BOARD , ${team}, Nobody, workgroup:9, 4, 8"}
    out = resolve_assignment({"extensions": task}, VARS, responsible_id=3)
    assert out.group_keys == ["group:sales", "department:5", "group:board", "group:nobody", "workgroup:9",
                              "department:4", "group:8"]
    assert out.assignee_id is None
    assert out.notes == [
        "No department or workgroup is named 'nobody' yet: the task waits for one of that name and its "
        "members; until then only administrators see it",
        "No department or workgroup is named '8' yet: the task waits for one of that name and its "
        "members; until then only administrators see it"]


def test_group_keys_of_names_and_camunda_group_ids():
    assert assignment.group_key("  Accounting ") == "group:accounting"
    assert assignment.group_key("STRASSE") == assignment.group_key("straße") == "group:strasse"
    assert assignment.group_id_of("group:accounting") == "accounting"
    assert assignment.group_id_of("department:4") == "department:4"
    assert assignment.keys_for_group_id("Sales") == ["group:sales", "department:4"]
    assert assignment.keys_for_group_id("department:5") == ["department:5"]


def test_unknown_department_id_is_noted():
    out = resolve_assignment({"candidate_groups": "department:99"}, VARS, responsible_id=3)
    assert out.group_keys == [] and out.assignee_id == 3
    assert out.notes == ["Unknown department '99'"]


def test_unknown_workgroup_id_is_noted_and_the_responsible_takes_the_task():
    out = resolve_assignment({"candidate_groups": "workgroup:99"}, VARS, responsible_id=3)
    assert out.group_keys == [] and out.assignee_id == 3
    assert out.notes == ["Unknown workgroup '99'"]


def test_lane_is_a_group_and_resolves_like_one():
    out = resolve_assignment({"lane": "Sales"}, VARS, responsible_id=3)
    assert out.group_keys == ["lane:Sales", "department:4"] and out.assignee_id is None


def test_lane_that_names_nobody_still_reaches_the_responsible():
    out = resolve_assignment({"lane": "Back office"}, VARS, responsible_id=3)
    assert out.group_keys == ["lane:Back office"] and out.assignee_id == 3


def test_no_assignment_goes_to_the_responsible():
    assert resolve_assignment({}, VARS, responsible_id=2).assignee_id == 2
    out = resolve_assignment({}, VARS, responsible_id=None)
    assert out.assignee_id is None and "only administrators" in out.notes[0]


def test_assignee_expression_with_several_values_is_refused():
    out = resolve_assignment({"assignee": "${owners}"}, VARS, responsible_id=2)
    assert out.assignee_id == 2 and "several values" in out.notes[0]


def test_values_the_runner_already_evaluated():
    task = {"task_id": "u1", "assignee": None, "candidate_users": [2, "ann@example.com"],
            "candidate_groups": ["Sales", 4], "lane": None, "assignment_errors": ["assignee '${x}': boom"]}
    out = resolve_assignment(task, VARS, responsible_id=3)
    assert out.assignee_id is None and out.user_ids == [2, 1]
    assert out.group_keys == ["group:sales", "department:4"]
    assert out.notes == ["assignee '${x}': boom"]
    assert resolve_assignment({"assignee": 3}, VARS).assignee_id == 3
    assert "several values" in resolve_assignment({"assignee": [1, 2]}, VARS, responsible_id=3).notes[0]
