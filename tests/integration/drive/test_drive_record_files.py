"""The pages around record files: attach from the drive (the file's rights hold on the record),
save a mail attachment or an attached file into a drive folder."""
from __future__ import annotations

import hashlib
import os

import pytest

from tests.integration.drive.conftest import folder, root_of, upload
from tests.support.access_world import assign

PASSWORD = "Quiet-bay-42"


def _login(app, user):
    client = app.test_client()
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return client


@pytest.fixture
def lead(ann_api, ann):
    r = ann_api.post("/leads", {"title": "Acme order", "responsible_id": ann.id})
    assert r.status_code == 201, r.json
    return r.json["id"]


def test_attach_from_drive_keeps_the_files_rights(app, api, ann, ann_api, bob, bob_api, lead):
    assign(api, "chief_executive", user_id=bob.id)  # Bob reads every lead, not Ann's files
    offer = upload(ann_api, root_of(ann_api), ("offer.txt", b"offer")).json["items"][0]["id"]
    ann_page = _login(app, ann)
    view = ann_page.get(f"/leads/{lead}").get_data(as_text=True)
    assert 'id="attach-from-drive"' in view and "No files" in view
    picker = ann_page.get(f"/drive/pick?for=attach&entity=lead&record={lead}").get_data(as_text=True)
    assert 'data-attach="offer.txt"' in picker
    done = ann_page.post("/drive/pick/attach", data={"for": "attach", "entity": "lead", "record": lead,
                                                      "item": offer})
    assert done.status_code == 302 and done.location.endswith(f"/leads/{lead}#record-files")
    assert 'data-file="offer.txt"' in ann_page.get(f"/leads/{lead}").get_data(as_text=True)

    bob_page = _login(app, bob)
    seen = bob_page.get(f"/leads/{lead}").get_data(as_text=True)
    assert "Acme order" in seen and "offer.txt" not in seen  # neither in the files nor the timeline
    assert "offer.txt" not in str(bob_api.get(f"/leads/{lead}/timeline").json)
    assert bob_page.get(f"/drive/items/{offer}").status_code == 404
    ann_api.put(f"/drive/items/{offer}/rights", [{"subject": "user", "id": bob.id, "level": "read"}])
    assert 'data-file="offer.txt"' in bob_page.get(f"/leads/{lead}").get_data(as_text=True)

    # Bob saves a copy of the attached file into his drive (read on it, edit on his folder).
    target = folder(bob_api, root_of(bob_api), "Copies")
    saved = bob_page.post("/drive/pick/save", data={"for": "save", "item": offer, "folder": target,
                                                    "next": f"/leads/{lead}"})
    assert saved.status_code == 302 and saved.location.endswith(f"/leads/{lead}")
    assert [i["name"] for i in bob_api.get(f"/drive/items?parent={target}").json["items"]] == ["offer.txt"]


def _mail_with_attachment(user, body: bytes) -> tuple[int, int]:
    from extensions import db
    from mail.models import MailAttachment, MailMessage
    from mail.services.store import attachment_path
    from transactions import unit_of_work

    digest = hashlib.sha256(body).hexdigest()
    os.makedirs(os.path.dirname(attachment_path(digest)), exist_ok=True)
    with open(attachment_path(digest), "wb") as fh:
        fh.write(body)
    with unit_of_work():
        mail = MailMessage(status="logged", source="personal", subject="Invoice", logged_by_id=user.id)
        db.session.add(mail)
        db.session.flush()
        row = MailAttachment(mail_id=mail.id, filename="invoice.txt", content_type="text/plain",
                             size=len(body), sha256=digest)
        db.session.add(row)
    return mail.id, row.id


def test_save_a_mail_attachment_to_the_drive(app, ann, ann_api, bob, lead):
    from crm.services.timeline import add_entry
    from transactions import unit_of_work

    mail_id, attachment = _mail_with_attachment(ann, b"invoice 42")
    with unit_of_work():  # the mail as Send&Save files it on the lead's timeline
        add_entry("lead", lead, "mail", actor=ann, summary="Mail received: Invoice", data={
            "mail_id": mail_id, "attachments": [{"id": attachment, "filename": "invoice.txt", "size": 10}]})
    page = _login(app, ann)
    assert 'data-mail-file="invoice.txt"' in page.get(f"/leads/{lead}").get_data(as_text=True)
    message = page.get(f"/mail/messages/{mail_id}").get_data(as_text=True)
    assert 'data-save-attachment="invoice.txt"' in message
    inbox = folder(ann_api, root_of(ann_api), "Invoices")
    picker = page.get(f"/drive/pick?for=save&attachment={attachment}&folder={inbox}"
                      f"&next=/mail/messages/{mail_id}")
    assert 'id="pick-save"' in picker.get_data(as_text=True)
    saved = page.post("/drive/pick/save", data={"for": "save", "attachment": attachment, "folder": inbox,
                                                "next": f"/mail/messages/{mail_id}"})
    assert saved.status_code == 302 and saved.location.endswith(f"/mail/messages/{mail_id}")
    listed = ann_api.get(f"/drive/items?parent={inbox}").json["items"]
    assert [i["name"] for i in listed] == ["invoice.txt"]
    assert ann_api.get(f"/drive/items/{listed[0]['id']}/content").data == b"invoice 42"
    # Somebody who may not read the message gets nothing saved (and never a foreign redirect).
    other = _login(app, bob)
    refused = other.post("/drive/pick/save", data={"for": "save", "attachment": attachment,
                                                   "folder": root_of(ann_api), "next": "//evil.example"})
    assert refused.status_code in (302, 404) and "evil" not in (refused.location or "")
    assert [i["name"] for i in ann_api.get(f"/drive/items?parent={inbox}").json["items"]] == ["invoice.txt"]
