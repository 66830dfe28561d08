"""The world bench/load.py runs in: a company, its people with realistic roles, their records.

Built through the services (as real use would), before the server starts, on the same database.
"""
from __future__ import annotations

import random

PASSWORD = "load-password-42"
TEAMS = 4
WORDS = ("Northwind", "Contoso", "Fabrikam", "Tailspin", "Litware", "Adatum", "Proseware", "Wingtip")
SOURCES = ("Website", "Trade fair", "Partner", "Call", "E-mail campaign")


def roles_for(users: int) -> list[str]:
    """The role of each simulated user: mostly managers, a head per team, a chief executive, an admin."""
    roles = ["chief_executive", "administrator"] + ["head_of_department"] * TEAMS
    roles += ["manager"] * max(0, users - len(roles))
    return roles[:users]


def build(url: str, users: int, records_per_user: int) -> list[dict]:
    """Departments, `users` people with passwords and roles, their leads, contacts and deals."""
    from bench._support import bench_app
    from extensions import db

    app = bench_app(url)
    with app.app_context():
        people = _people(users)
        rng = random.Random(19)
        for person in people:
            _records(person["id"], records_per_user, rng)
            db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return people


def _people(users: int) -> list[dict]:
    from crm.rights.services import add_assignment
    from extensions import db
    from org.services.departments import create_department, update_department
    from org.services.users import create_user
    from tests.support.access_world import role_id

    admin = create_user("load-admin@bench.test", None, actor=None, is_admin=True)
    company = create_department("Company", actor=admin)
    sales = create_department("Sales", actor=admin, parent_id=company.id)
    teams = [create_department(f"Sales team {t + 1}", actor=admin, parent_id=sales.id) for t in range(TEAMS)]
    people, heads = [], 0
    for n, role in enumerate(roles_for(users)):
        team = teams[n % TEAMS] if role != "chief_executive" else company
        user = create_user(f"user{n}@bench.test", PASSWORD, actor=admin, first_name="User", last_name=str(n),
                           is_admin=role == "administrator", department_id=team.id)
        if role == "head_of_department":
            update_department(teams[heads].id, {"head_id": user.id}, actor=admin)
            heads += 1
        if role in ("head_of_department", "chief_executive"):
            add_assignment(role_id(role), {"user_id": user.id}, actor=admin)
        people.append({"id": user.id, "email": user.email, "role": role})
    db.session.commit()
    return people


def _records(user_id: int, count: int, rng: random.Random) -> None:
    """Leads, contacts and deals of one person, created as that person."""
    from crm.services.records import create_record
    from extensions import db
    from org.models import User

    user = db.session.get(User, user_id)
    for n in range(count):
        word = rng.choice(WORDS)
        create_record("lead", {"title": f"{word} inquiry {user_id}-{n}", "source": rng.choice(SOURCES),
                               "company_name": f"{word} Ltd"}, actor=user)
        if n % 2 == 0:
            create_record("contact", {"first_name": rng.choice(("Anna", "Tom", "Sara", "Max")),
                                      "last_name": f"{word}{n}"}, actor=user)
        if n % 3 == 0:
            create_record("deal", {"title": f"{word}: contract {user_id}-{n}"}, actor=user)
