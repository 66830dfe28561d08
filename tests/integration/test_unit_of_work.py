"""One unit of work per caller: services never commit; a request commits once below 400 and
rolls back otherwise; a view that catches a service error and still answers rolls back."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm.events import OutboxEvent
from crm.models import CrmTask, Lead
from crm.services.records import create_record
from crm.services.tasks import create_task
from engine.models import HumanTask
from extensions import db
from org.models import User
from org.services.users import update_user
from tests.integration.engine.diagrams import review_lead
from tests.integration.engine.runtime_support import create_lead, deploy, drive, only_instance, open_tasks
from tests.support.browser import session_client
from transactions import unit_of_work


def _committed(query) -> object:
    """What another connection sees: only what has really been committed."""
    with db.engine.connect() as other:
        return other.scalar(query)


def _count(model: type, *where: object) -> int:
    return _committed(select(func.count()).select_from(model).where(*where))


def test_services_leave_the_commit_to_their_caller(app, admin):
    with pytest.raises(RuntimeError), unit_of_work():
        lead = create_record("lead", {"title": "L"}, actor=admin)
        create_task({"title": "T", "links": [{"entity": "lead", "id": lead.id}]}, actor=admin)
        update_user(admin.id, {"first_name": "Changed"}, actor=admin)
        assert _count(Lead) == 0  # nothing is committed while the caller's unit of work runs
        raise RuntimeError("the caller fails after the services did their part")
    assert _count(Lead) == 0 and _count(CrmTask) == 0 and _count(OutboxEvent) == 0
    assert _committed(select(User.first_name).where(User.id == admin.id)) == "Ada"


def test_a_request_commits_once_on_success_and_rolls_back_on_an_error(api, admin):
    created = api.post("/leads", {"title": "Kept"})
    assert created.status_code == 201 and _count(Lead) == 1 and _count(OutboxEvent) == 1
    refused = api.patch(f"/leads/{created.json['id']}", {"title": "Not kept", "status": "NOPE"})
    assert refused.status_code == 422
    assert _committed(select(Lead.title)) == "Kept" and _count(OutboxEvent) == 1


def test_a_page_that_catches_a_service_error_keeps_nothing_of_it(app, api, admin):
    """Completing a task of a suspended process: the service closes the task row, then the
    runtime refuses (409); the page answers with a redirect (302), and the row stays open."""
    deploy(api, review_lead())
    lead = create_lead(api, "Suspended")
    drive()
    task = open_tasks()[0]
    instance = only_instance(entity="lead", entity_id=lead["id"])
    assert api.post(f"/process-instances/{instance.id}/suspend").status_code == 200
    browser = session_client(app, admin)
    r = browser.post(f"/inbox/{task.id}/complete", data={"verdict": "good"})
    assert r.status_code == 302
    assert _committed(select(HumanTask.state).where(HumanTask.id == task.id)) == "open"
