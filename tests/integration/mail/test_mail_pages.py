"""Mail pages through the Flask test client: settings, templates, sending with progress, received mail,
my mailbox with its navigation badge."""
from __future__ import annotations

import re

import pytest

from mail import imap
from mail.services.sending import run_job
from tests.integration.mail.conftest import CRM_ADDRESS, make, message, poll
from tests.support.services import free_port


def login(client, user, *, admin_mode: bool = False) -> None:
    r = client.post("/login", data={"email": user.email, "password": "Quiet-bay-42"})
    assert r.status_code == 302, r.get_data(as_text=True)
    if admin_mode:
        with client.session_transaction() as session:
            session["admin_mode"] = user.get_id()


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def web(client, admin):
    login(client, admin, admin_mode=True)
    return client


def test_settings_page_smtp_test_mail_and_mailbox_state(web, smtp, crm_box, api):
    page = text(web.get("/settings/mail"))
    assert "SMTP is not configured: mail is written to the log" in page
    bad = web.post("/settings/mail/smtp", data={"host": smtp.host, "port": "99999", "security": "none",
                                                "from_address": "nope"})
    assert bad.status_code == 422 and "A port number from 1 to 65535" in text(bad)
    assert "Not an e-mail" in text(bad)
    ok = web.post("/settings/mail/smtp", data={"host": smtp.host, "port": str(smtp.port), "security": "none",
                                               "from_address": "crm@flowdesk.test"})
    assert ok.status_code == 302
    assert "SMTP is not configured" not in text(web.get("/settings/mail"))
    tested = text(web.post("/settings/mail/smtp/test", data={"to": "boss@acme.test"}))
    assert "The server answered" in tested and "250 Message accepted for delivery" in tested
    api.put("/settings/crm-mailbox", crm_box.settings(address=CRM_ADDRESS, port=free_port()))
    poll()
    state = text(web.get("/settings/mail"))
    assert "Failing" in state and "Cannot connect" in state and "Failed attempts" in state
    saved = web.post("/settings/mail/crm-mailbox", data={
        "host": crm_box.dovecot.host, "port": str(crm_box.dovecot.port), "tls": "none", "user": crm_box.name,
        "folder": "INBOX", "address": CRM_ADDRESS, "unmatched": "keep", "enabled": "1",
        "pattern_lead": "LID#<n>", "pattern_contact": "CID#<n>", "pattern_company": "COID#<n>",
        "pattern_deal": "nope"})
    assert saved.status_code == 422 and "exactly once" in text(saved)
    crm_box.append(message(subject="x"))
    back = {"host": crm_box.dovecot.host, "port": str(crm_box.dovecot.port), "tls": "none",
            "user": crm_box.name, "folder": "INBOX", "address": CRM_ADDRESS,
            "unmatched": "keep", "enabled": "1"}
    again = web.post("/settings/mail/crm-mailbox", data=back)  # another port: the password is asked again
    assert again.status_code == 422 and "Enter the password again" in text(again)
    saved = web.post("/settings/mail/crm-mailbox", data={**back, "password": crm_box.password})
    assert saved.status_code == 302
    assert web.post("/settings/mail/crm-mailbox/poll").status_code == 302
    poll()
    page = text(web.get("/settings/mail"))
    assert "Connected" in page and "1 of 1 new messages read" in page


def test_template_pages_refuse_escapes_and_preview(web, admin):
    contact = make("contact", admin, first_name="Ann", last_name="Lee", emails=["ann@acme.test"])
    refused = web.post("/mail/templates/new", data={"name": "Evil", "subject": "x",
                                                     "body": "{{ ''.__class__ }}"})
    assert refused.status_code == 422 and "the attribute &#39;__class__&#39;" in text(refused)
    created = web.post("/mail/templates/new", data={"name": "Hello", "subject": "Hi {{ contact.first_name }}",
                                                     "body": "Dear {{ contact.first_name }}"})
    assert created.status_code == 302
    edit_url = created.headers["Location"]
    template_id = int(edit_url.rstrip("/").rsplit("/", 1)[1])
    preview = text(web.post(f"/mail/templates/{template_id}/preview",
                            data={"entity": "contact", "record_id": str(contact.id)}))
    assert 'id="preview"' in preview and "Hi Ann" in preview and "ann@acme.test" in preview
    assert "Hello" in text(web.get("/mail/templates"))


def test_send_from_a_list_with_progress_polling(web, admin, api, smtp):
    api.put("/settings/smtp", {"host": smtp.host, "port": smtp.port, "security": "none",
                               "from_address": "crm@flowdesk.test"})
    template = api.post("/mail/templates", {"name": "News", "subject": "News", "body": "Hi"}).json
    ann = make("contact", admin, first_name="Ann", last_name="Lee", emails=["ann@acme.test"])
    bare = make("contact", admin, first_name="No", last_name="Mail")
    listing = text(web.get("/contacts"))
    assert 'id="bulk-mail"' in listing and "/mail/send" in listing
    chooser = text(web.get(f"/mail/send?entity=contact&ids={ann.id}&ids={bare.id}"))
    assert "Ann Lee" in chooser and "News" in chooser
    r = web.post("/mail/send", data={"entity": "contact", "ids": [ann.id, bare.id],
                                     "template_id": template["id"]})
    assert r.status_code == 302
    job_url = r.headers["Location"]
    job_id = int(job_url.rsplit("/", 1)[1])
    waiting = text(web.get(job_url))
    assert f'hx-get="/mail/jobs/{job_id}/progress"' in waiting and "Waiting for a worker" in waiting
    run_job(job_id)
    done = text(web.get(f"/mail/jobs/{job_id}/progress"))
    assert "Finished" in done and "hx-trigger" not in done and "1 sent · 1 skipped" in done
    assert "no address" in done
    record = text(web.get(f"/contacts/{ann.id}"))
    assert 'id="send-mail"' in record and "Mail sent: News" in record and f"/mail/jobs/{job_id}" in record


def test_received_mail_pages_block_remote_images_and_file_mail(web, admin, crm_box):
    crm_box.append(message(sender="stranger@nowhere.test", subject="Pics", body="plain",
                           html='<p>Look <img src="https://tracker.test/p.gif"> <script>x()</script></p>'))
    poll()
    listing = text(web.get("/mail/unassigned"))
    mail_id = int(re.search(r"/mail/messages/(\d+)", listing).group(1))
    page = text(web.get(f"/mail/messages/{mail_id}"))
    assert "1 remote image blocked" in page and 'sandbox="allow-same-origin' in page
    body = web.get(f"/mail/messages/{mail_id}/body")
    assert "img-src 'self' data:;" in body.headers["Content-Security-Policy"]
    assert "tracker.test" not in text(body) and "<script" not in text(body) and "Look" in text(body)
    shown = web.get(f"/mail/messages/{mail_id}/body?images=1")
    assert "https:" in shown.headers["Content-Security-Policy"]
    assert "https://tracker.test/p.gif" in text(shown)
    lead = make("lead", admin, title="Target")
    r = web.post(f"/mail/messages/{mail_id}/attach", data={"entity": "lead", "record_id": str(lead.id)})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/leads/{lead.id}")
    timeline = text(web.get(f"/leads/{lead.id}"))
    assert "Mail received: Pics" in timeline and f"/mail/messages/{mail_id}" in timeline
    assert "Nothing here" in text(web.get("/mail/unassigned"))


def test_failed_mail_page_is_for_administrators(web, client, make_user, crm_box):
    assert web.get("/mail/failed").status_code == 200
    web.post("/logout")
    login(client, make_user())
    assert client.get("/mail/failed").status_code == 403
    assert client.get("/settings/mail").status_code == 403


def test_my_mail_badge_comes_from_the_cache_and_mail_logs_with_one_click(client, make_user, admin, imap_user,
                                                                          monkeypatch):
    user = make_user("seller@flowdesk.test")
    login(client, user)
    box = imap_user()
    contact = make("contact", admin, last_name="Lee", emails=["lee@acme.test"], responsible_id=user.id)
    uid = box.append(message(sender="lee@acme.test", to="seller@flowdesk.test", subject="Question"))
    assert 'id="mailbox-form"' in text(client.get("/mail/inbox"))
    form = {**box.settings(), "port": str(box.dovecot.port)}
    wrong = client.post("/mail/mailbox", data={**form, "password": "x"})
    assert wrong.status_code == 422 and "refused" in text(wrong)
    assert client.post("/mail/mailbox", data=form).status_code == 302

    def no_imap(*args, **kwargs):
        raise AssertionError("a page render talked to the IMAP server")

    monkeypatch.setattr(imap, "connect", no_imap)
    home = text(client.get(f"/contacts/{contact.id}"))
    assert re.search(r'id="mail-badge"[^>]*>1</span>', home)
    monkeypatch.undo()
    inbox = text(client.get("/mail/inbox"))
    assert "Question" in inbox and 'data-seen="false"' in inbox
    read = text(client.get(f"/mail/inbox/{uid}"))
    assert 'id="log-to-crm"' in read and "Log on 1 CRM record" in read
    logged = client.post(f"/mail/inbox/{uid}/log")
    assert logged.status_code == 302 and "/mail/messages/" in logged.headers["Location"]
    assert "Mail received: Question" in text(client.get(f"/contacts/{contact.id}"))
    assert re.search(r'id="mail-badge" class="[^"]*d-none', text(client.get("/mail/inbox")))  # read: 0 unread
