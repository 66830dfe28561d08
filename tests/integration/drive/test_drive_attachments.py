"""Drive files attached to CRM records: on the timeline, under the record's and the file's rights."""
from __future__ import annotations

import io

import pytest

from tests.integration.drive.conftest import root_of, upload


@pytest.fixture
def lead(api, ann):
    r = api.post("/leads", {"title": "Acme order", "responsible_id": ann.id})
    assert r.status_code == 201, r.json
    return r.json["id"]


def test_attach_a_drive_file_and_an_upload(ann_api, lead, client, ann):
    iid = upload(ann_api, root_of(ann_api), ("offer.txt", b"offer")).json["items"][0]["id"]
    r = ann_api.post(f"/leads/{lead}/attachments", {"item_id": iid})
    assert r.status_code == 201 and r.json["kind"] == "file"
    assert r.json["data"]["drive_item_id"] == iid
    up = ann_api.post(f"/leads/{lead}/attachments", data={"file": (io.BytesIO(b"scan"), "scan.txt")},
                      content_type="multipart/form-data")
    assert up.status_code == 201, up.json
    timeline = ann_api.get(f"/leads/{lead}/timeline").json["items"]
    assert [e["summary"] for e in timeline if e["kind"] == "file"] == [
        "File attached: scan.txt", "File attached: offer.txt"]
    folder = [i for i in ann_api.get("/drive/items").json["items"] if i["name"] == "CRM attachments"]
    assert len(folder) == 1
    client.post("/login", data={"email": ann.email, "password": "Quiet-bay-42"})
    page = client.get(f"/leads/{lead}").get_data(as_text=True)
    assert f'href="/drive/items/{iid}">File: offer.txt</a>' in page


def test_rights_of_record_and_file_both_hold(ann_api, bob_api, bob, lead):
    bobs = upload(bob_api, root_of(bob_api), ("private.txt", b"p")).json["items"][0]["id"]
    assert ann_api.post(f"/leads/{lead}/attachments", {"item_id": bobs}).status_code == 404
    own = upload(bob_api, root_of(bob_api), ("mine.txt", b"m")).json["items"][0]["id"]
    assert bob_api.post(f"/leads/{lead}/attachments", {"item_id": own}).status_code in (403, 404)
    folder = ann_api.post("/drive/items", {"parent": root_of(ann_api), "name": "F"}).json["id"]
    r = ann_api.post(f"/leads/{lead}/attachments", {"item_id": folder})
    assert r.status_code == 422 and "item_id" in r.json["fields"]


def test_save_a_received_attachment_to_the_drive(api, admin, bob_api):
    import hashlib
    import os

    from extensions import db
    from mail.models import MailAttachment, MailMessage
    from mail.services.store import attachment_path
    from transactions import unit_of_work

    body = b"%PDF-1.4\n% an invoice"
    digest = hashlib.sha256(body).hexdigest()
    os.makedirs(os.path.dirname(attachment_path(digest)), exist_ok=True)
    with open(attachment_path(digest), "wb") as fh:
        fh.write(body)
    with unit_of_work():
        # Logged from the administrator's personal mailbox: nobody else may read it.
        mail = MailMessage(status="logged", source="personal", subject="Invoice", logged_by_id=admin.id)
        db.session.add(mail)
        db.session.flush()
        row = MailAttachment(mail_id=mail.id, filename="invoice.pdf", content_type="application/pdf",
                             size=len(body), sha256=digest)
        db.session.add(row)
    root = api.get("/drive/items").json["folder"]["id"]
    r = api.post("/drive/items/from-mail", {"attachment_id": row.id, "parent": root})
    assert r.status_code == 201, r.json
    assert r.json["name"] == "invoice.pdf" and r.json["mime"] == "application/pdf"
    assert api.get(f"/drive/items/{r.json['id']}/content").data == body
    bob_root = bob_api.get("/drive/items").json["folder"]["id"]
    refused = bob_api.post("/drive/items/from-mail", {"attachment_id": row.id, "parent": bob_root})
    assert refused.status_code == 404  # Bob may not read that message
