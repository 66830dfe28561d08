"""Outgoing connections are fenced: no private hosts unless allowed, no banners echoed, no port scans;
a stored mailbox password never follows a changed server or user."""
from __future__ import annotations

import socket
import threading

import pytest

import netguard
from tests.support.services import free_port

BANNER = "SECRET-BANNER-7f3a"


class BannerServer:
    """A TCP listener on 127.0.0.1 that greets with a banner no mail client understands."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            try:
                conn.sendall(f"{BANNER} hello from an internal service\r\n".encode())
                conn.recv(1024)
            except OSError:
                pass
            conn.close()

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def banner():
    server = BannerServer()
    yield server
    server.close()


@pytest.fixture
def fenced(monkeypatch):
    """No private host allowed by the environment (the tests' default allows 127.0.0.1)."""
    monkeypatch.delenv(netguard.ENV_VAR, raising=False)


def test_a_personal_mailbox_on_a_private_host_is_refused_before_any_connection(
        fenced, api_for, make_user, imap_user, banner):
    box = imap_user()
    me = api_for(make_user())
    r = me.put("/me/mailbox", box.settings(port=banner.port))
    assert r.status_code == 422 and "not allowed" in r.json["fields"]["host"]
    assert banner.accepted == 0
    real = me.put("/me/mailbox", box.settings())  # Dovecot itself is on loopback too
    assert real.status_code == 422 and "not allowed" in real.json["fields"]["host"]
    assert me.get("/me/mailbox").json == {"attached": False}


def test_errors_echo_no_banner_and_do_not_tell_open_from_closed_ports(api_for, make_user, imap_user, banner):
    box = imap_user()
    me = api_for(make_user())
    speaking = me.put("/me/mailbox", box.settings(port=banner.port))
    closed_port = free_port()
    closed = me.put("/me/mailbox", box.settings(port=closed_port))
    assert banner.accepted == 1
    assert speaking.status_code == closed.status_code == 422
    said = speaking.json["fields"]["host"]
    assert BANNER not in said and BANNER not in speaking.get_data(as_text=True)
    assert said.replace(str(banner.port), "N") == closed.json["fields"]["host"].replace(str(closed_port), "N")


def test_an_administrator_allows_a_private_host_in_the_network_setting(fenced, api, api_for, make_user,
                                                                       imap_user):
    box = imap_user()
    me = api_for(make_user())
    assert me.get("/settings/network").status_code == 403
    assert me.put("/settings/network", {"allowed_private_hosts": ["127.0.0.1"]}).status_code == 403
    bad = api.put("/settings/network", {"allowed_private_hosts": ["not a host!", "10.0.0.0/33"]})
    assert bad.status_code == 422 and "allowed_private_hosts" in bad.json["fields"]
    assert me.put("/me/mailbox", box.settings()).status_code == 422
    r = api.put("/settings/network", {"allowed_private_hosts": ["127.0.0.0/8"]})
    assert r.status_code == 200 and r.json == {"allowed_private_hosts": ["127.0.0.0/8"], "environment": []}
    assert api.get("/settings/network").json["allowed_private_hosts"] == ["127.0.0.0/8"]
    attached = me.put("/me/mailbox", box.settings())
    assert attached.status_code == 200 and attached.json["state"] == "ok"


def test_the_smtp_test_mail_cannot_reach_a_private_host(fenced, api, smtp, banner):
    body = {"host": smtp.host, "port": smtp.port, "security": "none", "from_address": "crm@flowdesk.test"}
    assert api.put("/settings/smtp", body).status_code == 200
    refused = api.post("/settings/smtp/test", {"to": "boss@acme.test"}).json
    assert not refused["ok"] and "not allowed" in refused["answer"] and smtp.messages == []
    api.put("/settings/smtp", {**body, "port": banner.port})
    assert "not allowed" in api.post("/settings/smtp/test", {"to": "boss@acme.test"}).json["answer"]
    assert banner.accepted == 0
    api.put("/settings/network", {"allowed_private_hosts": ["127.0.0.1"]})
    answered = api.post("/settings/smtp/test", {"to": "boss@acme.test"}).json
    assert not answered["ok"] and BANNER not in answered["answer"] and "Cannot connect" in answered["answer"]
    api.put("/settings/smtp", body)
    assert api.post("/settings/smtp/test", {"to": "boss@acme.test"}).json["ok"]
    assert len(smtp.messages) == 1


def test_the_crm_mailbox_poll_is_fenced_too(api, crm_box, monkeypatch):
    from tests.integration.mail.conftest import poll

    assert poll()["state"] == "ok"
    monkeypatch.delenv(netguard.ENV_VAR)
    result = poll()
    assert result["state"] == "error" and "not allowed" in result["error"]


def test_a_changed_server_or_user_needs_the_password_again(api_for, make_user, imap_user, banner):
    box = imap_user()
    me = api_for(make_user())
    assert me.put("/me/mailbox", box.settings()).status_code == 200
    for change in ({"port": banner.port}, {"host": "localhost"}, {"user": "someone-else"},
                   {"tls": "starttls"}):
        r = me.put("/me/mailbox", {**box.settings(**change), "password": None})
        assert r.status_code == 422 and "again" in r.json["fields"]["password"], change
    assert banner.accepted == 0  # the stored password never went to the new server
    same = me.put("/me/mailbox", {**box.settings(folder="INBOX"), "password": None})
    assert same.status_code == 200 and same.json["password_set"]


def test_the_crm_mailbox_and_smtp_drop_the_password_with_the_server(api, crm_box, smtp, banner):
    moved = api.put("/settings/crm-mailbox", {**crm_box.settings(port=banner.port), "password": None})
    assert moved.status_code == 422 and "again" in moved.json["fields"]["password"]
    body = {"host": smtp.host, "port": smtp.port, "security": "none", "from_address": "crm@flowdesk.test",
            "user": "mailer"}
    assert api.put("/settings/smtp", {**body, "password": "s3cret-Pass"}).json["password_set"]
    again = api.put("/settings/smtp", {**body, "port": banner.port})
    assert again.status_code == 422 and "again" in again.json["fields"]["password"]
    anonymous = api.put("/settings/smtp", {**body, "port": banner.port, "user": ""}).json
    assert anonymous["password_set"] is False  # no user: the old password is dropped, not kept
    assert banner.accepted == 0
