"""Rights along a chain: inheritance, per-subject overrides, floors, the trash (no database)."""
from __future__ import annotations

from drive.rights import EDIT, FULL, NONE, READ, SHARE, Node, Walk, Who, start


def node(i: int, *entries: tuple, owner: int | None = None, kind: str = "user", ref: int | None = 1,
         trashed: bool = False) -> Node:
    return Node(i, owner, trashed, kind, ref, None, list(entries))


def level(who: Who, chain: list[Node], trashed_ok: bool = False) -> int:
    state = start(who, chain[0])
    for n in chain:
        state = state.step(who, n)
    return NONE if state.trashed and not trashed_ok else state.level


BOB = Who(2, department_ids={10}, department_paths=["/9/10/"], workgroup_ids={7})


def test_inherited_down_and_overridden_per_subject():
    chain = [node(1), node(2, ("user", 2, False, "edit", None)), node(3),
             node(4, ("user", 2, False, "read", None))]
    assert level(BOB, chain[:3]) == EDIT
    assert level(BOB, chain) == READ  # the deeper entry for the same subject wins, even lower
    none_below = [*chain[:3], node(4, ("user", 2, False, "none", None))]
    assert level(BOB, none_below) == NONE


def test_highest_of_the_subjects_counts():
    chain = [node(1, ("user", 2, False, "read", None), ("workgroup", 7, False, "share", None)),
             node(2, ("user", 2, False, "none", None))]
    assert level(BOB, chain) == SHARE  # the workgroup's entry still holds


def test_departments_with_and_without_sub_departments():
    only = [node(1, ("department", 9, False, "edit", "/9/"))]
    tree = [node(1, ("department", 9, True, "edit", "/9/"))]
    own = [node(1, ("department", 10, False, "read", "/9/10/"))]
    assert level(BOB, only) == NONE and level(BOB, tree) == EDIT and level(BOB, own) == READ


def test_floors_owner_creator_admin():
    assert level(Who(1), [node(1), node(2)]) == FULL  # the personal drive's owner
    assert level(BOB, [node(1), node(2, owner=2), node(3)]) == FULL  # created the folder above
    assert level(Who(None, admin=True), [node(1), node(2, ("everyone", None, False, "none", None))]) == FULL


def test_workgroup_and_company_defaults():
    assert level(BOB, [node(1, kind="workgroup", ref=7)]) == EDIT
    assert level(BOB, [node(1, kind="workgroup", ref=8)]) == NONE
    assert level(BOB, [node(1, kind="company", ref=None)]) == READ
    hidden = [node(1, kind="company", ref=None), node(2, ("everyone", None, False, "none", None))]
    assert level(BOB, hidden) == NONE
    owner = Who(3, owned_workgroup_ids={8})
    assert level(owner, [node(1, kind="workgroup", ref=8, owner=None)]) == FULL


def test_trash_hides_below():
    chain = [node(1), node(2, trashed=True), node(3)]
    assert level(Who(1), chain) == NONE and level(Who(1), chain, trashed_ok=True) == FULL


def test_walk_does_not_change_the_state_above():
    w = Walk(NONE, {})
    below = w.step(BOB, node(1, ("user", 2, False, "edit", None)))
    assert w.level == NONE and below.level == EDIT
