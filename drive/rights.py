"""Who may do what with a drive item: levels inherited down the tree, overridable below.

The rules, in one place:
- Levels: none < read < edit < share < full. read: list, download, preview; edit: save new
  versions, rename, upload and create in a folder; share: also grant read or edit to others
  and make public links; full: also change any right, move, put into the trash, restore, purge.
- A right names a subject (a user, a department with or without its sub-departments, a
  workgroup, or everyone) and holds on its item and everything below it, until an item
  below names the same subject again: that entry replaces it there and further down (so
  "none" below takes a right away). A user's level is the highest of their subjects'.
- Implicit at a drive's root: its workgroup's members have edit (workgroup drives) and
  everyone has read (the company drive); rights at the root override these like any other.
- Always full, whatever the entries say: administrators in admin mode and processes, the
  owner of a personal drive, the owner of a workgroup, and the creator of an item or of a
  folder above it.
- An item in the trash (or below one) is not found, except for the trash's own calls.
The whole chain from the root is read in one query over the materialised path, so the
check costs the same at the bottom of a deep tree as at the top.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import and_, select

from crm import access
from errors import Forbidden, NotFound
from extensions import db
from org.admin import acts_as_admin
from org.models import Department
from org.workgroups import Workgroup

LEVELS = ("none", "read", "edit", "share", "full")
RANK = {name: i for i, name in enumerate(LEVELS)}
NONE, READ, EDIT, SHARE, FULL = range(len(LEVELS))
SUBJECTS = ("user", "department", "workgroup", "everyone")


@dataclass
class Who:
    """The subjects a user stands for, loaded once per service call."""

    user_id: int | None
    admin: bool = False
    department_ids: set[int] = field(default_factory=set)
    department_paths: list[str] = field(default_factory=list)
    workgroup_ids: set[int] = field(default_factory=set)
    owned_workgroup_ids: set[int] = field(default_factory=set)

    def matches(self, subject: str, subject_id: int | None, with_subs: bool, dept_path: str | None) -> bool:
        if subject == "everyone":
            return True
        if subject == "user":
            return subject_id == self.user_id
        if subject == "workgroup":
            return subject_id in self.workgroup_ids
        if subject_id in self.department_ids:
            return True
        return bool(with_subs and dept_path and any(p.startswith(dept_path) for p in self.department_paths))


def who_is(actor: object | None) -> Who:
    """The actor's departments and workgroups (administrators in admin mode need none)."""
    if acts_as_admin(actor):
        return Who(getattr(actor, "id", None), admin=True)
    uid = actor.id  # type: ignore[union-attr]
    # The memberships as the CRM's rights read them: kept across requests while the rights epoch
    # stands (a WebDAV client sends many requests), read afresh outside a request.
    rights = access.rights_of(actor)
    who = Who(uid, department_ids={dep_id for dep_id, _name, _path in rights.departments},
              department_paths=rights.dept_paths, workgroup_ids=set(rights.workgroup_ids or ()))
    who.owned_workgroup_ids = set(db.session.scalars(select(Workgroup.id).where(Workgroup.owner_id == uid)))
    return who


@dataclass
class Node:
    """One item of a chain with the right entries set on it."""

    id: int
    owner_id: int | None
    trashed: bool
    drive_kind: str
    drive_ref: int | None
    parent_id: int | None
    entries: list[tuple[str, int | None, bool, str, str | None]] = field(default_factory=list)


def load_nodes(item_ids: Iterable[int]) -> dict[int, Node]:
    """The items and their right entries (with the departments' paths), in one query."""
    from drive.models import DriveItem, DriveRight

    ids = list(set(item_ids))
    if not ids:
        return {}
    i, r = DriveItem, DriveRight
    rows = db.session.execute(
        select(i.id, i.owner_id, i.trashed_at, i.drive_kind, i.drive_ref, i.parent_id,
               r.subject, r.subject_id, r.include_subdepartments, r.level, Department.path)
        .outerjoin(r, r.item_id == i.id)
        .outerjoin(Department, and_(r.subject == "department", Department.id == r.subject_id))
        .where(i.id.in_(ids)))
    nodes: dict[int, Node] = {}
    for iid, owner, trashed, kind, ref, parent, subject, sid, subs, level, dpath in rows:
        node = nodes.setdefault(iid, Node(iid, owner, trashed is not None, kind, ref, parent))
        if subject is not None:
            node.entries.append((subject, sid, bool(subs), level, dpath))
    return nodes


@dataclass
class Walk:
    """What holds at one point of the tree: the floor, the level per subject, the trash."""

    floor: int
    by_subject: dict[tuple, int]
    trashed: bool = False

    def step(self, who: Who, node: Node) -> Walk:
        """The state one item further down."""
        floor = FULL if who.user_id is not None and node.owner_id == who.user_id else self.floor
        by_subject = dict(self.by_subject)
        for subject, sid, subs, level, dpath in node.entries:
            if who.matches(subject, sid, subs, dpath):
                by_subject[(subject, sid, subs)] = RANK.get(level, NONE)
        return Walk(floor, by_subject, self.trashed or node.trashed)

    @property
    def level(self) -> int:
        return max([self.floor, *self.by_subject.values()])


def start(who: Who, root: Node) -> Walk:
    """The state above a drive's root: the implicit rights of its kind."""
    if who.admin:
        return Walk(FULL, {})
    if root.drive_kind == "user":
        return Walk(FULL if root.drive_ref == who.user_id else NONE, {})
    if root.drive_kind == "workgroup":
        floor = FULL if root.drive_ref in who.owned_workgroup_ids else NONE
        member = root.drive_ref in who.workgroup_ids
        return Walk(floor, {("workgroup", root.drive_ref, False): EDIT} if member else {})
    return Walk(NONE, {("everyone", None, False): READ})


def walk_to(who: Who, item: object) -> Walk:
    """The state at `item` (anything with `ancestor_ids`), reading the chain in one query."""
    chain = item.ancestor_ids  # type: ignore[attr-defined]
    nodes = load_nodes(chain)
    state = start(who, nodes[chain[0]])
    for item_id in chain:
        state = state.step(who, nodes[item_id])
    return state


def level_of(who: Who, item: object, *, trashed_ok: bool = False) -> int:
    """The user's level on the item (NONE when it is in the trash, unless `trashed_ok`)."""
    state = walk_to(who, item)
    return NONE if state.trashed and not trashed_ok else state.level


def require(who: Who, item: object, level: int, *, trashed_ok: bool = False) -> int:
    """The user's level, or 404 (may not see it) / 403 (may see it, not do this)."""
    have = level_of(who, item, trashed_ok=trashed_ok)
    if have < READ:
        raise NotFound(f"No drive item {item.id}")  # type: ignore[attr-defined]
    if have < level:
        raise Forbidden(f"This needs the {LEVELS[level]} right on {item.name!r}")  # type: ignore[attr-defined]
    return have


def child_levels(who: Who, folder: object, children: list) -> dict[int, int]:
    """Each child's level, from the folder's state and one query for the entries set on children."""
    state = walk_to(who, folder)
    if state.trashed:
        return {c.id: NONE for c in children}
    entries = child_entries(folder.id)  # type: ignore[attr-defined]
    return {c.id: step_level(who, state, c, entries.get(c.id, [])) for c in children}


def step_level(who: Who, state: Walk, child: object, entries: list) -> int:
    """A child's level from its folder's state and the entries set on the child."""
    c = child
    node = Node(c.id, c.owner_id, c.trashed_at is not None, c.drive_kind, c.drive_ref, c.parent_id,  # type: ignore[attr-defined]
                entries)
    return NONE if node.trashed else state.step(who, node).level


def child_entries(folder_id: int) -> dict[int, list]:
    """The right entries set on the folder's children, by child (only children that have some)."""
    from drive.models import DriveItem, DriveRight

    r = DriveRight
    rows = db.session.execute(
        select(r.item_id, r.subject, r.subject_id, r.include_subdepartments, r.level, Department.path)
        .join(DriveItem, DriveItem.id == r.item_id)
        .outerjoin(Department, and_(r.subject == "department", Department.id == r.subject_id))
        .where(DriveItem.parent_id == folder_id))
    found: dict[int, list] = {}
    for item_id, subject, sid, subs, level, dpath in rows:
        found.setdefault(item_id, []).append((subject, sid, bool(subs), level, dpath))
    return found
