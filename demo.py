"""Demo data: a small company and a dozen CRM records, created through the services."""
from __future__ import annotations

from sqlalchemy import func, select

from crm.entities import REGISTRY
from extensions import db
from org.models import User
from org.services.departments import create_department, find_department, update_department
from org.services.users import create_user, find_user

DEPARTMENTS = [("Sales", None), ("Sales team A", "Sales"), ("Sales team B", "Sales"), ("Marketing", None)]
COLLEAGUES = [  # e-mail, first and last name, position, department, heads it
    ("olivia.hart@example.com", "Olivia", "Hart", "Head of Sales", "Sales", True),
    ("liam.novak@example.com", "Liam", "Novak", "Team lead", "Sales team A", True),
    ("mia.costa@example.com", "Mia", "Costa", "Account executive", "Sales team B", False),
    ("noah.berg@example.com", "Noah", "Berg", "Marketing manager", "Marketing", True),
]
COMPANIES = [("Northwind Traders", "Wholesale", "sales@northwind.example"),
             ("Contoso Pharma", "Healthcare", "info@contoso.example"),
             ("Fabrikam Logistics", "Logistics", "hello@fabrikam.example")]
CONTACTS = [("Anna", "Keller", "Purchasing manager", 0, "anna.keller@northwind.example", "+49 30 1234 567"),
            ("Tom", "Fischer", "CFO", 1, "t.fischer@contoso.example", "+41 44 555 0101"),
            ("Sara", "Lind", "Operations lead", 2, "sara.lind@fabrikam.example", "+46 8 555 0199")]
DEALS = [("Northwind: annual supply contract", "PROPOSAL", "48000", 0, 0),
         ("Contoso: pilot project", "NEGOTIATION", "12500", 1, 1),
         ("Fabrikam: fleet tracking", "NEW", "30000", 2, 2)]
LEADS = [("Website inquiry: bulk pricing", "Peter", "Wolf", "Wolf & Sons", "Website", "NEW", "5400"),
         ("Trade fair contact", "Julia", "Brandt", "Brandt Media", "Trade fair", "IN_PROCESS", "12000"),
         ("Partner referral: Acme Corp", "Max", "Schmidt", "Acme Corp", "Partner", "NEW", "27000"),
         ("Newsletter sign-up", "Lena", "Vogel", "", "E-mail campaign", "PROCESSED", ""),
         ("Cold call follow-up", "Omar", "Haddad", "Haddad Imports", "Call", "NEW", "3100"),
         ("Request for a demo", "Chloe", "Martin", "Martin Design", "Website", "JUNK", "")]


def _has_crm_records() -> bool:
    models = [e.model for e in REGISTRY.values() if e.record]
    return any(db.session.scalar(select(func.count(model.id))) for model in models)


def _first_admin() -> User | None:
    return db.session.scalar(select(User).where(User.is_admin.is_(True), User.is_system.is_(False),
                                                User.active.is_(True)).order_by(User.id).limit(1))


def _departments(admin: User) -> None:
    for name, parent in DEPARTMENTS:
        if find_department(name) is None:
            parent_id = find_department(parent).id if parent else None
            create_department(name, actor=admin, parent_id=parent_id)


def _colleagues(admin: User) -> None:
    for email, first, last, position, department, head in COLLEAGUES:
        dep = find_department(department)
        user = find_user(email) or create_user(email, None, actor=admin, first_name=first, last_name=last,
                                               position=position, department_id=dep.id)
        if head and dep.head_id is None:
            update_department(dep.id, {"head_id": user.id}, actor=admin)


def _crm(admin: User) -> int:
    """Companies, contacts, deals and leads through the CRM services (so their events fire)."""
    from crm.services.records import create_record

    mine = {"responsible_id": admin.id}
    companies = [create_record("company", {**mine, "title": t, "industry": i, "emails": [e]}, actor=admin)
                 for t, i, e in COMPANIES]
    contacts = [create_record("contact", {
        **mine, "first_name": f, "last_name": last, "position": p, "company_id": companies[c].id,
        "emails": [e], "phones": [ph]}, actor=admin) for f, last, p, c, e, ph in CONTACTS]
    for title, stage, amount, company, contact in DEALS:
        create_record("deal", {**mine, "title": title, "stage": stage, "amount": amount, "currency": "EUR",
                               "company_id": companies[company].id, "contact_id": contacts[contact].id},
                      actor=admin)
    for title, first, last, company, source, status, amount in LEADS:
        email = f"{first.lower()}.{last.lower()}@example.com"
        create_record("lead", {**mine, "title": title, "first_name": first, "last_name": last,
                               "company_name": company, "source": source, "status": status,
                               "amount": amount, "currency": "EUR" if amount else "", "emails": [email]},
                      actor=admin)
    return len(COMPANIES) + len(CONTACTS) + len(DEALS) + len(LEADS)


def seed_demo_data(admin: User | None = None) -> str:
    """Load the demo company and CRM records once; does nothing if CRM records exist."""
    if _has_crm_records():
        return "Demo data skipped: the database already holds CRM records."
    admin = admin or _first_admin()
    if admin is None:
        return ("Demo data skipped: create the first administrator first "
                "(open the app or `flask user create`).")
    _departments(admin)
    _colleagues(admin)
    count = _crm(admin)
    return (f"Demo data loaded: {len(DEPARTMENTS)} departments, {len(COLLEAGUES)} colleagues, "
            f"{count} CRM records.")
