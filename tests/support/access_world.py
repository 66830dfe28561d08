"""A department tree with a user per default role and records owned by each (access tests)."""
from __future__ import annotations

from dataclasses import dataclass, field

from crm.rights.models import Role
from extensions import db
from org.services.departments import create_department

LEAD_STATUSES = ("NEW", "IN_PROCESS", "PROCESSED", "CONVERTED", "JUNK")
DEAL_STAGES = ("NEW", "PROPOSAL", "NEGOTIATION", "WON", "LOST")
PLURALS = {"lead": "leads", "contact": "contacts", "company": "companies", "deal": "deals", "task": "tasks"}
ENTITIES = tuple(PLURALS)
OWNERS = ("manager_a", "manager_b", "head_sales", "ceo")
# Who holds which default role (by key), and their department.
PEOPLE = {
    "manager_a": ("manager", "sales_a"), "manager_b": ("manager", "sales_b"),
    "head_sales": ("head_of_department", "sales"), "head_a": ("head_of_department", "sales_a"),
    "ceo": ("chief_executive", "company"), "administrator": ("administrator", "company"),
}


@dataclass
class World:
    departments: dict = field(default_factory=dict)  # name -> Department
    users: dict = field(default_factory=dict)  # name -> User
    # entity -> [(id, owner name, status or None, title)]
    records: dict = field(default_factory=dict)

    def ids(self, entity: str, owners: set[str] | None = None) -> set[int]:
        return {rid for rid, owner, _, _ in self.records[entity] if owners is None or owner in owners}


def role_id(key: str) -> int:
    return db.session.scalar(db.select(Role.id).where(Role.key == key))


def assign(api, key_or_id: str | int, **target: object) -> dict:
    """Give a role (by key or id) to a user, department or workgroup through the API."""
    rid = key_or_id if isinstance(key_or_id, int) else role_id(key_or_id)
    r = api.post(f"/roles/{rid}/assignments", target)
    assert r.status_code == 201, r.json
    return r.json


def make_person(name: str, department_id: int | None) -> object:
    """A user without a password (no slow hashing): API tests use tokens, page tests a session."""
    from org.services.users import create_user
    from transactions import unit_of_work

    with unit_of_work():
        return create_user(f"{name}@example.com", None, actor=None, department_id=department_id,
                           first_name=name, last_name="Tester")


def build_world(api, make_user=None) -> World:
    """Company > Sales > Sales A / Sales B; a user per role; records of every type per owner."""
    from transactions import unit_of_work

    world = World()
    with unit_of_work():
        company = create_department("Company", actor=None)
        sales = create_department("Sales", actor=None, parent_id=company.id)
        world.departments = {
            "company": company, "sales": sales,
            "sales_a": create_department("Sales A", actor=None, parent_id=sales.id),
            "sales_b": create_department("Sales B", actor=None, parent_id=sales.id),
        }
    for name, (key, dep) in PEOPLE.items():
        user = make_person(name, world.departments[dep].id)
        world.users[name] = user
        assign(api, key, user_id=user.id)
    for owner in OWNERS:
        _records_of(api, world, owner)
    return world


def _records_of(api, world: World, owner: str) -> None:
    uid = world.users[owner].id
    made = {
        "lead": [({"title": f"lead of {owner} {s}", "status": s}, s) for s in LEAD_STATUSES],
        "deal": [({"title": f"deal of {owner} {s}", "stage": s}, s) for s in DEAL_STAGES],
        "contact": [({"last_name": f"contact of {owner}"}, None)],
        "company": [({"title": f"company of {owner}"}, None)],
        "task": [({"title": f"task of {owner}"}, None)],
    }
    for entity, items in made.items():
        for data, status in items:
            r = api.post(f"/{PLURALS[entity]}", {**data, "responsible_id": uid})
            assert r.status_code == 201, r.json
            title = data.get("title") or data.get("last_name")
            world.records.setdefault(entity, []).append((r.json["id"], owner, status, title))
