"""Shared pieces of the process and inbox page tests: a logged-in test client, uploads, tasks."""
from __future__ import annotations

from io import BytesIO
from pathlib import Path

from sqlalchemy import select

from engine.models import HumanTask
from extensions import db

LEAD_REVIEW = (Path(__file__).resolve().parents[1] / "e2e" / "lead_review.bpmn").read_bytes()


class Browser:
    """A test client logged in as one user; it forgets the previous request's user first
    (the tests' app context, and so flask-login's cached user in `g`, outlives requests)."""

    def __init__(self, app, user) -> None:
        self.client = app.test_client()
        with self.client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
            if user.is_admin:  # administrators work in admin mode here (org.admin)
                session["admin_mode"] = user.get_id()

    def _call(self, method: str, *args: object, **kw: object):
        from flask import g

        g.pop("_login_user", None)
        return getattr(self.client, method)(*args, **kw)

    def get(self, *args: object, **kw: object):
        return self._call("get", *args, **kw)

    def post(self, *args: object, **kw: object):
        return self._call("post", *args, **kw)


def as_user(app, user):
    return Browser(app, user)


def text(response) -> str:
    return response.get_data(as_text=True)


def upload(client, xml: bytes, url: str = "/processes/upload", **headers: str):
    return client.post(url, data={"file": (BytesIO(xml), "diagram.bpmn")},
                       content_type="multipart/form-data", headers=headers)


def deployed(web) -> None:
    r = upload(web, LEAD_REVIEW)
    assert r.status_code == 302, text(r)


def new_lead(admin, title: str = "Acme order") -> int:
    from crm.services.records import create_record

    return create_record("lead", {"title": title}, actor=admin).id


def open_task(instance_id: int | None = None) -> HumanTask:
    db.session.expire_all()
    query = select(HumanTask).where(HumanTask.state == "open").order_by(HumanTask.id)
    if instance_id:
        query = query.where(HumanTask.instance_id == instance_id)
    return db.session.scalars(query).first()
