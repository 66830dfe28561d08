"""A corpus of unusual real-world messages: every one is filed or kept as failed mail, none crashes a
poll or goes missing (odd charsets, broken RFC 2047, raw 8-bit headers, nesting, no body, huge
attachments, 10,000 parts)."""
from __future__ import annotations

import base64

from sqlalchemy import func, select

from crm.models import TimelineEntry
from extensions import db
from mail.models import MailMessage, MailSeen
from tests.integration.mail.conftest import make, poll

LEE = b"From: Lee <lee@acme.test>\r\nTo: crm@flowdesk.test\r\nDate: Mon, 4 Mar 2024 10:00:00 +0100\r\n"


def mid(n: int) -> bytes:
    return f"Message-ID: <corpus-{n}@acme.test>\r\n".encode()


def koi8r() -> bytes:
    subject = base64.b64encode("Привет из Москвы".encode("koi8-r"))
    return (LEE + mid(1) + b"Subject: =?koi8-r?B?" + subject + b"?=\r\n"
            b"Content-Type: text/plain; charset=koi8-r\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            + "Добрый день!".encode("koi8-r") + b"\r\n")


def iso2022jp() -> bytes:
    subject = base64.b64encode("こんにちは".encode("iso-2022-jp"))
    return (LEE + mid(2) + b"Subject: =?ISO-2022-JP?B?" + subject + b"?=\r\n"
            b"Content-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
            + "お世話になっております。".encode("iso-2022-jp") + b"\r\n")


def unknown_8bit() -> bytes:
    return (LEE + mid(3) + b"Subject: unknown charset\r\n"
            b"Content-Type: text/plain; charset=unknown-8bit\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            b"Caf\xe9 cr\xe8me \xff\xfe end\r\n")


def raw_8bit_headers() -> bytes:
    return (b"From: J\xfcrgen <lee@acme.test>\r\nTo: crm@flowdesk.test\r\n" + mid(4)
            + b"Subject: Gr\xc3\xbc\xc3\x9fe und K\xfcsse\r\n\r\nbody\r\n")


def broken_rfc2047() -> bytes:
    return (LEE + mid(5) + b"Subject: =?utf-8?B?!!not base64!!?= and =?x-unknown?Q?caf=E9?= "
            b"and =?utf-8?Q?unterminated\r\nContent-Type: text/plain; charset=foo-bar\r\n\r\nhello\r\n")


def nested_multiparts() -> bytes:
    inner_mail = b"From: old@acme.test\r\nSubject: forwarded\r\n\r\nthe old mail\r\n"
    return (LEE + mid(6) + b"Subject: nested\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=outer\r\n\r\n"
            b"--outer\r\nContent-Type: multipart/related; boundary=rel\r\n\r\n"
            b"--rel\r\nContent-Type: multipart/alternative; boundary=alt\r\n\r\n"
            b"--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nplain part\r\n"
            b"--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
            b"<p>html <img src=\"cid:logo@acme\"><script>alert(1)</script></p>\r\n--alt--\r\n"
            b"--rel\r\nContent-Type: image/png\r\nContent-ID: <logo@acme>\r\n"
            b"Content-Transfer-Encoding: base64\r\n"
            b"\r\niVBORw0KGgo=\r\n--rel--\r\n"
            b"--outer\r\nContent-Type: message/rfc822\r\n\r\n" + inner_mail + b"\r\n--outer--\r\n")


def no_body() -> bytes:
    return LEE + mid(7) + b"Subject: headers only"


def nothing_at_all() -> bytes:
    return b"Subject:\r\n\r\n"


def garbage() -> bytes:
    return (b"From: \"unclosed <lee@acme.test\r\nTo: ,,,;;; @@ <>\r\nCc: =?utf-8?q?=FF?= <>\r\n"
            b"Date: yesterday-ish\r\n" + mid(8) + b"Subject: " + b"long " * 2000 + b"\r\n"
            b"Content-Type: multipart/mixed\r\n\r\nno boundary at all \x00 with a NUL\r\n")


def bad_transfer_encodings() -> bytes:
    return (LEE + mid(9) + b"Subject: encodings\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n"
            b"--x\r\nContent-Type: text/plain; charset=utf-7\r\n\r\nHi +AKM-1\r\n"
            b"--x\r\nContent-Type: text/plain; charset=base64\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            b"@@@not*base64@@@\r\n"
            b"--x\r\nContent-Type: application/pdf; name=\"=?utf-8?Q?bro=ken?=.pdf\"\r\n"
            b"Content-Disposition: attachment; filename*=utf-8''%E2%82%AC%ZZ.pdf\r\n"
            b"Content-Transfer-Encoding: quoted-printable\r\n\r\nsoft=\r\nbreak=ZZ=\r\n--x--\r\n")


def html_only() -> bytes:
    return (LEE + mid(10) + b"Subject: html only\r\nContent-Type: text/html; charset=windows-1252\r\n\r\n"
            b"<html><head><style>p{color:red}</style><script>steal()</script></head>"
            b"<body><p onclick=\"x()\">Gr\xfc\xdfe<br>second line</p><iframe src=\"https://evil.test\"></iframe>"
            b"</body></html>\r\n")


def huge_attachment() -> bytes:
    data = base64.encodebytes(b"\x00" * 1_500_000)
    return (LEE + mid(11) + b"Subject: huge\r\nContent-Type: multipart/mixed; boundary=h\r\n\r\n"
            b"--h\r\nContent-Type: text/plain\r\n\r\nsee attachment\r\n--h\r\n"
            b"Content-Type: application/octet-stream; name=big.bin\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n"
            + data + b"--h--\r\n")


def ten_thousand_parts() -> bytes:
    parts = b"".join(b"--p\r\nContent-Type: text/plain\r\n\r\nx\r\n" for _ in range(10_000))
    head = LEE + mid(12) + b"Subject: parts\r\nContent-Type: multipart/mixed; boundary=p\r\n\r\n"
    return head + parts + b"--p--\r\n"


CORPUS = [koi8r, iso2022jp, unknown_8bit, raw_8bit_headers, broken_rfc2047, nested_multiparts, no_body,
          nothing_at_all, garbage, bad_transfer_encodings, html_only, huge_attachment, ten_thousand_parts]


def test_the_corpus_is_filed_without_a_crash_or_a_loss(monkeypatch, api, app, admin, crm_box):
    monkeypatch.setitem(app.config, "MAIL_MAX_BYTES", 1_000_000)
    contact = make("contact", admin, last_name="Lee", emails=["lee@acme.test"])
    uids = {build.__name__: crm_box.append(build()) for build in CORPUS}
    summary = poll()
    assert summary["state"] == "ok" and summary["new"] + summary["failed"] == len(CORPUS)
    seen = {s.uid: db.session.get(MailMessage, s.mail_id) for s in db.session.scalars(select(MailSeen))}
    assert set(seen) == set(uids.values())  # every message accounted for
    by_name = {name: seen[uid] for name, uid in uids.items()}
    failed = {name for name, row in by_name.items() if row.status == "failed"}
    assert failed == {"huge_attachment", "ten_thousand_parts"}
    assert "MAIL_MAX_BYTES" in by_name["huge_attachment"].reason
    assert "MAIL_MAX_PARTS" in by_name["ten_thousand_parts"].reason
    assert by_name["nothing_at_all"].status == "unassigned"

    assert by_name["koi8r"].subject == "Привет из Москвы" and "Добрый день!" in by_name["koi8r"].body_text
    japanese = by_name["iso2022jp"]
    assert japanese.subject == "こんにちは" and "お世話になっております" in japanese.body_text
    assert "Caf" in by_name["unknown_8bit"].body_text and by_name["unknown_8bit"].status == "logged"
    assert "Gr" in by_name["raw_8bit_headers"].subject
    nested = by_name["nested_multiparts"]
    assert nested.body_text.strip() == "plain part" and "<script" not in nested.body_html
    assert {a.content_type for a in nested_attachments(nested)} == {"image/png", "message/rfc822"}
    assert by_name["no_body"].body_text == "" and by_name["no_body"].status == "logged"
    html = by_name["html_only"]
    assert "Grüße" in html.body_text and "second line" in html.body_text
    for banned in ("<script", "<iframe", "onclick", "steal", "evil.test"):
        assert banned not in html.body_html
    for row in by_name.values():  # storable text: no surrogates or NULs left
        for value in (row.subject, row.body_text, row.body_html, row.from_name):
            value.encode("utf-8")
            assert "\x00" not in value

    logged = db.session.scalar(select(func.count(TimelineEntry.id)).where(
        TimelineEntry.kind == "mail", TimelineEntry.entity == "contact",
        TimelineEntry.record_id == contact.id))
    assert logged == sum(1 for row in by_name.values() if row.status == "logged")
    assert poll()["new"] == 0  # a second poll adds nothing


def nested_attachments(row: MailMessage) -> list:
    from mail.models import MailAttachment

    return list(db.session.scalars(select(MailAttachment).where(MailAttachment.mail_id == row.id)))
