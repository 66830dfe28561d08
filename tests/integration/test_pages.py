"""HTML pages through the Flask test client (CSRF off in the shared `app` fixture)."""
from __future__ import annotations

import re

import pytest

from crm.events import OutboxEvent
from crm.models import CrmTask, Lead, TimelineEntry
from extensions import db
from org.models import Department, User
from transactions import unit_of_work


def login(client, email: str, password: str = "Quiet-bay-42") -> None:
    r = client.post("/login", data={"email": email, "password": password})
    assert r.status_code == 302, r.get_data(as_text=True)


@pytest.fixture
def web(client, admin):
    """A test client with the administrator logged in, in admin mode."""
    login(client, admin.email)
    assert client.post("/admin-mode", data={"on": "1"}).status_code == 302
    return client


def text(response) -> str:
    return response.get_data(as_text=True)


def make(entity: str, admin, **data):
    from crm.services.records import create_record

    with unit_of_work():
        return create_record(entity, data, actor=admin)


# --- first start, login, logout ------------------------------------------------------------

def test_empty_database_sends_everyone_to_setup(client):
    assert client.get("/").headers["Location"].endswith("/setup")
    assert client.get("/leads").headers["Location"].endswith("/setup")
    assert client.get("/login").headers["Location"].endswith("/setup")
    page = client.get("/setup")
    assert page.status_code == 200 and "Create the first account" in text(page)


def test_setup_shows_field_errors_then_creates_the_administrator(client):
    r = client.post("/setup", data={"email": "not-an-email", "password": "short"})
    assert r.status_code == 422
    assert "Enter a valid email address" in text(r) and "Use at least 10 characters" in text(r)
    r = client.post("/setup", data={"email": "Boss@Example.com", "password": "Quiet-bay-42",
                                    "first_name": "Bo", "last_name": "Ss"})
    assert r.status_code == 302 and r.headers["Location"] == "/"
    user = db.session.scalar(db.select(User).where(User.email == "boss@example.com"))
    assert user.is_admin
    home = client.get("/")
    assert home.status_code == 200 and "Hello, Bo" in text(home)
    assert db.session.scalar(db.select(db.func.count(Lead.id))) == 0  # DEMO_DATA is off in tests
    assert client.get("/setup").headers["Location"].endswith("/login")


def test_setup_loads_demo_data_when_configured(client, app):
    app.config["DEMO_DATA"] = True
    try:
        r = client.post("/setup", data={"email": "boss@example.com", "password": "Quiet-bay-42"})
    finally:
        app.config["DEMO_DATA"] = False
    assert r.status_code == 302
    admin = db.session.scalar(db.select(User).where(User.email == "boss@example.com"))
    leads = db.session.scalars(db.select(Lead)).all()
    assert len(leads) == 6 and {lead.responsible_id for lead in leads} == {admin.id}
    names = {d.name for d in db.session.scalars(db.select(Department))}
    assert names == {"Sales", "Sales team A", "Sales team B", "Marketing"}
    assert "Demo data loaded" not in text(client.get("/"))  # logged, not shown
    assert text(client.get("/leads")).count('data-row-check') == 6


def test_demo_data_is_idempotent_and_fires_events(app, admin, runner):
    from demo import seed_demo_data

    assert "loaded" in seed_demo_data()
    created = db.session.scalars(db.select(OutboxEvent.type)).all()
    assert created.count("lead.created") == 6 and created.count("deal.created") == 3
    colleagues = db.session.scalars(db.select(User).where(User.email.like("%@example.com"),
                                                          User.id != admin.id)).all()
    assert len(colleagues) == 4 and all(u.password_hash is None for u in colleagues)
    sales = db.session.scalar(db.select(Department).where(Department.name == "Sales team A"))
    assert sales.path.count("/") == 3  # under Sales
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0 and "skipped" in result.output
    assert db.session.scalar(db.select(db.func.count(OutboxEvent.id))) == len(created)


def test_pages_need_a_login(client, admin):
    for path in ("/", "/leads", "/leads/new", "/tasks", "/company/employees", "/search?q=x"):
        r = client.get(path)
        assert r.status_code == 302, path
        assert "/login" in r.headers["Location"], path
    assert client.post("/leads/new", data={"title": "x"}).status_code == 302
    assert db.session.scalar(db.select(db.func.count(Lead.id))) == 0


def test_login_logout(client, admin):
    r = client.post("/login", data={"email": admin.email, "password": "wrong-password"})
    assert r.status_code == 401 and "Wrong email or password" in text(r)
    r = client.post("/login?next=/deals", data={"email": admin.email, "password": "Quiet-bay-42"})
    assert r.headers["Location"] == "/deals"
    r = client.post("/login?next=https://evil.example/",
                    data={"email": admin.email, "password": "Quiet-bay-42"})
    assert r.headers["Location"] == "/"
    assert client.get("/leads").status_code == 200
    assert client.post("/logout").headers["Location"].endswith("/login")
    assert client.get("/leads").status_code == 302


def test_forms_refuse_a_post_without_the_csrf_token(client, app, admin):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        r = client.post("/login", data={"email": admin.email, "password": "Quiet-bay-42"})
        assert r.status_code == 400 and "expired" in text(r)
        page = text(client.get("/login"))
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        assert 'name="csrf-token"' in page
        r = client.post("/login", data={"email": admin.email, "password": "Quiet-bay-42",
                                        "csrf_token": token})
        assert r.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


# --- every page renders ------------------------------------------------------------------

def test_every_page_renders_for_a_logged_in_user(web, admin):
    from crm.services.tasks import create_task

    company = make("company", admin, title="Acme")
    contact = make("contact", admin, last_name="Doe", company_id=company.id, emails=["j@acme.example"])
    lead = make("lead", admin, title="Hot lead", amount="10", currency="EUR")
    deal = make("deal", admin, title="Big deal", contact_id=contact.id, company_id=company.id,
                lead_id=lead.id)
    task = create_task({"title": "Call", "links": [{"entity": "lead", "id": lead.id}]}, actor=admin)[0]
    paths = ["/", "/leads", "/contacts", "/companies", "/deals", "/leads/new", "/contacts/new",
             "/companies/new", "/deals/new", f"/leads/{lead.id}", f"/contacts/{contact.id}",
             f"/companies/{company.id}", f"/deals/{deal.id}", f"/leads/{lead.id}/edit",
             f"/contacts/{contact.id}/edit", f"/companies/{company.id}/edit", f"/deals/{deal.id}/edit",
             f"/leads/{lead.id}/convert", "/tasks", "/tasks?role=observer&status=done", "/tasks?role=created",
             "/tasks/new", f"/tasks/new?link=lead:{lead.id}", f"/tasks/{task.id}", f"/tasks/{task.id}/edit",
             "/company/employees", "/company/departments", "/company/departments/new",
             "/company/employees/new", "/search", "/search?q=acme", "/profile"]
    for path in paths:
        r = web.get(path)
        assert r.status_code == 200, (path, r.status_code)
        assert 'name="csrf-token"' in text(r) and "Flowdesk" in text(r), path
    company_page = text(web.get(f"/companies/{company.id}"))
    assert "Doe" in company_page and "Big deal" in company_page  # related contacts and deals
    deal_page = text(web.get(f"/deals/{deal.id}"))
    assert "Acme" in deal_page and "Hot lead" in deal_page and "Doe" in deal_page
    assert "Acme" in text(web.get(f"/contacts/{contact.id}"))
    assert "Call" in text(web.get(f"/leads/{lead.id}"))  # its task


def test_unknown_records_and_pages_are_404_pages(web):
    r = web.get("/leads/999")
    assert r.status_code == 404 and "No lead 999" in text(r)
    assert web.get("/nowhere").status_code == 404
    assert web.get("/api/v1/nowhere").get_json() == {"error": "Not found"}


# --- record forms ----------------------------------------------------------------------------

def test_create_form_shows_field_errors_inline_and_keeps_input(web):
    r = web.post("/leads/new", data={"title": "", "emails": "not-an-email", "amount": "abc",
                                     "first_name": "Kept", "status": "NEW"})
    assert r.status_code == 422
    page = text(r)
    assert re.search(r'data-error-for="title">This field is required', page)
    assert re.search(r'data-error-for="emails">Not an e-mail address: not-an-email', page)
    assert re.search(r'data-error-for="amount">Expected a number', page)
    assert 'value="Kept"' in page
    assert db.session.scalar(db.select(db.func.count(Lead.id))) == 0
    r = web.post("/contacts/new", data={"first_name": "Only"})
    assert r.status_code == 422 and 'data-error-for="last_name"' in text(r)


def test_create_edit_and_timeline_through_forms(web, admin):
    r = web.post("/leads/new", data={"title": "Form lead", "emails": "A@Example.com\nb@example.com",
                                     "phones": "+1 555 0100", "status": "", "responsible_id": str(admin.id),
                                     "amount": "1500", "currency": "eur"})
    assert r.status_code == 302
    lead = db.session.scalar(db.select(Lead))
    assert r.headers["Location"] == f"/leads/{lead.id}"
    assert lead.status == "NEW" and lead.currency == "EUR"
    page = text(web.get(f"/leads/{lead.id}"))
    assert "Lead created" in page and "a@example.com" in page and "+1 555 0100" in page
    assert "Form lead" in text(web.get("/leads"))
    edit = text(web.get(f"/leads/{lead.id}/edit"))
    assert "a@example.com\nb@example.com" in edit
    form = {"title": "Renamed lead", "emails": "a@example.com\nb@example.com", "phones": "+1 555 0100",
            "status": "IN_PROCESS", "responsible_id": str(admin.id), "amount": "1500.00", "currency": "EUR"}
    r = web.post(f"/leads/{lead.id}/edit", data=form)
    assert r.status_code == 302
    entry = db.session.scalars(db.select(TimelineEntry).where(TimelineEntry.kind == "changed")).one()
    assert set(entry.data["changes"]) == {"title", "status"}  # unchanged fields are no change
    page = text(web.get(f"/leads/{lead.id}"))
    assert re.search(r'class="old">Form lead</span>.*?class="new">\s*Renamed lead', page, re.S)
    assert re.search(r'class="old">New</span>.*?class="new">\s*In process', page, re.S)
    assert page.index("Changed status, title") < page.index("Lead created")  # newest first
    r = web.post(f"/leads/{lead.id}/edit", data={**form, "title": " "})
    assert r.status_code == 422 and 'data-error-for="title"' in text(r)


def test_pipeline_step_changes_the_status(web, admin):
    deal = make("deal", admin, title="Stage me")
    assert web.post(f"/deals/{deal.id}/status", data={"value": "WON"}).status_code == 302
    db.session.refresh(deal)
    assert deal.stage == "WON" and deal.closed


def test_delete_asks_and_deletes(web, admin):
    lead = make("lead", admin, title="Doomed")
    page = text(web.get(f"/leads/{lead.id}"))
    assert "delete-modal" in page and f'action="/leads/{lead.id}/delete"' in page
    r = web.post(f"/leads/{lead.id}/delete")
    assert r.status_code == 302 and r.headers["Location"] == "/leads"
    assert "was deleted" in text(web.get("/leads"))
    assert web.get(f"/leads/{lead.id}").status_code == 404


# --- lists ------------------------------------------------------------------------------------

def test_list_sorts_filters_and_pages(web, admin, make_user):
    other = make_user(first_name="Otto", last_name="Other")
    for i in range(28):
        make("lead", admin, title=f"Lead {i:02d}", status="JUNK" if i % 7 == 0 else "NEW",
             responsible_id=other.id if i == 3 else admin.id)
    first = text(web.get("/leads"))
    assert first.count("data-row-check") == 25 and first.index("Lead 27") < first.index("Lead 26")
    cursor = re.search(r'href="([^"]*cursor=[^"]+)" id="next-page"', first).group(1).replace("&amp;", "&")
    second = text(web.get(cursor))
    assert second.count("data-row-check") == 3 and "Lead 02" in second and "Lead 00" in second
    assert 'id="next-page"' not in second
    by_title = text(web.get("/leads?sort=title"))
    assert by_title.index("Lead 00") < by_title.index("Lead 01")
    junk = text(web.get("/leads?status=JUNK"))
    assert junk.count("data-row-check") == 4
    assert text(web.get("/leads?q=lead 1")).count("data-row-check") == 10
    assert text(web.get(f"/leads?responsible={other.id}")).count("data-row-check") == 1
    mine = text(web.get("/leads?responsible=me"))
    assert mine.count("data-row-check") == 25 and 'id="next-page"' in mine and "Lead 03" not in mine
    r = web.get("/leads?sort=nonsense")
    assert r.status_code == 200 and "Sort by one of" in text(r)


# --- comments, conversion, tasks ---------------------------------------------------------------

def test_comment_via_htmx_returns_the_timeline_fragment(web, admin):
    lead = make("lead", admin, title="Chatty")
    r = web.post(f"/leads/{lead.id}/comments", data={"text": "Called, interested"},
                 headers={"HX-Request": "true"})
    fragment = text(r)
    assert r.status_code == 200 and "<html" not in fragment and 'id="timeline"' in fragment
    assert "Called, interested" in fragment
    r = web.post(f"/leads/{lead.id}/comments", data={"text": "  "}, headers={"HX-Request": "true"})
    assert "A comment cannot be empty" in text(r)
    r = web.post(f"/leads/{lead.id}/comments", data={"text": "Plain form"})
    assert r.status_code == 302 and "Plain form" in text(web.get(f"/leads/{lead.id}"))


def test_conversion_creates_records_and_refuses_a_second_time(web, admin):
    lead = make("lead", admin, title="Convert me", first_name="Ann", last_name="Lee", company_name="Lee Ltd")
    r = web.post(f"/leads/{lead.id}/convert", data={})
    assert r.status_code == 422 and "Choose at least one" in text(r)
    r = web.post(f"/leads/{lead.id}/convert", data={"contact": "1", "company": "1", "deal": "1"})
    assert r.status_code == 302
    db.session.refresh(lead)
    assert lead.status == "CONVERTED"
    page = text(web.get(f"/leads/{lead.id}"))
    assert "Lee Ltd" in page and "Converted into" in page
    assert f'href="/leads/{lead.id}/convert"' not in page
    again = web.post(f"/leads/{lead.id}/convert", data={"contact": "1"})
    assert again.status_code == 409 and f"Lead {lead.id} is already converted" in text(again)
    assert "already converted" in text(web.get(f"/leads/{lead.id}/convert"))


def test_bulk_task_from_selected_records_and_my_task_lists(web, admin, make_user):
    observer = make_user(first_name="Olga", last_name="Observer")
    a, b = make("contact", admin, last_name="Alpha"), make("contact", admin, last_name="Beta")
    form = text(web.get(f"/tasks/new?entity=contact&ids={a.id}&ids={b.id}"))
    assert "Alpha" in form and "Beta" in form and "About 2 records" in form
    r = web.post(f"/tasks/new?entity=contact&ids={a.id}&ids={b.id}", data={"title": ""})
    assert r.status_code == 422 and "This field is required" in text(r)
    r = web.post(f"/tasks/new?entity=contact&ids={a.id}&ids={b.id}", data={
        "title": "Call them", "deadline": "2030-01-02T09:30", "responsible_id": str(admin.id),
        "observer_ids": [str(observer.id)]})
    assert r.status_code == 302
    task = db.session.scalar(db.select(CrmTask))
    assert task.deadline.isoformat() == "2030-01-02T09:30:00"
    for contact in (a, b):
        assert "Task created: Call them" in text(web.get(f"/contacts/{contact.id}"))
    assert "Call them" in text(web.get("/tasks"))
    assert "Call them" not in text(web.get("/tasks?role=observer"))
    assert "Call them" in text(web.get("/"))  # my open tasks
    r = web.post(f"/tasks/{task.id}/complete", data={"next": "/tasks"})
    assert r.headers["Location"] == "/tasks"
    assert ">Call them</a>" not in text(web.get("/tasks"))
    assert ">Call them</a>" in text(web.get("/tasks?status=done"))
    web.post("/logout")
    observer.password_hash = None  # log in as the observer with a fresh password
    from org.passwords import hash_password

    observer.password_hash = hash_password("Quiet-bay-42")
    db.session.commit()
    login(web, observer.email)
    assert "Call them" in text(web.get("/tasks?role=observer&status=done"))
    assert web.post(f"/tasks/{task.id}/reopen").status_code == 302
    assert db.session.get(CrmTask, task.id).status == "open"


def test_one_task_per_selected_record(web, admin):
    a, b = make("lead", admin, title="L1"), make("lead", admin, title="L2")
    r = web.post("/tasks/new", data={"title": "Follow up", "link": [f"lead:{a.id}", f"lead:{b.id}"],
                                     "per_record": "1", "responsible_id": str(admin.id)})
    assert r.status_code == 302
    assert db.session.scalar(db.select(db.func.count(CrmTask.id))) == 2


def test_bulk_action_without_selection_goes_back(web):
    r = web.get("/tasks/new?entity=lead", headers={"Referer": "/leads"})
    assert r.status_code == 302 and r.headers["Location"] == "/leads"


# --- company --------------------------------------------------------------------------------------

def test_admin_creates_departments_and_employees(web):
    r = web.post("/company/departments/new", data={"name": ""})
    assert r.status_code == 422 and "A name is required" in text(r)
    assert web.post("/company/departments/new", data={"name": "Sales"}).status_code == 302
    sales_id = db.session.scalar(db.select(Department.id))  # the page must load the parent itself
    db.session.expire_all()
    r = web.post("/company/departments/new", data={"name": "Team A", "parent_id": str(sales_id)})
    assert r.status_code == 302
    tree = text(web.get("/company/departments"))
    assert tree.index('data-department="Sales"') < tree.index('data-department="Team A"')
    r = web.post("/company/employees/new", data={"email": "bad"})
    assert r.status_code == 422 and "Enter a valid email address" in text(r)
    r = web.post("/company/employees/new", data={"email": "new@example.com", "first_name": "Nia",
                                                  "department_id": str(sales_id)})
    assert r.status_code == 302
    page = text(web.get("/company/employees"))
    assert "Nia" in page and "Sales" in page


def test_non_admins_cannot_create_departments(client, admin, make_user):
    user = make_user()
    login(client, user.email)
    assert client.get("/company/departments").status_code == 200
    r = client.post("/company/departments/new", data={"name": "Nope"})
    assert r.status_code == 403 and "Administrator rights are required" in text(r)
    assert client.get("/company/employees/new").status_code == 403


def test_profile_and_personal_api_tokens(web, admin):
    r = web.post("/profile", data={"first_name": "Adele", "last_name": "Admin", "position": "CEO"})
    assert r.status_code == 302
    assert "Adele Admin" in text(web.get("/profile"))
    page = text(web.post("/profile/tokens", data={"name": "Website form"}))
    token = re.search(r"<code[^>]*>(fd_[^<]+)</code>", page).group(1)
    assert "Website form" in page
    assert web.get("/api/v1/leads", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert token not in text(web.get("/profile"))  # shown once
    token_id = re.search(r'/profile/tokens/(\d+)/revoke', page).group(1)
    assert web.post(f"/profile/tokens/{token_id}/revoke").status_code == 302
    assert web.get("/api/v1/leads", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_pages_show_only_what_the_user_may_read(client, admin, make_user):
    manager = make_user(first_name="Mo", last_name="Manager")  # default role: own records
    theirs = make("lead", admin, title="Admin lead")
    mine = make("lead", admin, title="Mo lead", responsible_id=manager.id)
    login(client, manager.email)
    page = text(client.get("/leads"))
    assert "Mo lead" in page and "Admin lead" not in page
    assert client.get(f"/leads/{theirs.id}").status_code == 404
    assert client.post(f"/leads/{theirs.id}/edit", data={"title": "Hijacked"}).status_code == 404
    assert 'id="edit-record"' in text(client.get(f"/leads/{mine.id}"))
    home = text(client.get("/"))
    assert re.search(r'data-count="lead">1<', home)
    assert "Admin lead" not in text(client.get("/search?q=lead"))
