"""OpenAPI entries of the mail and mail-settings endpoints (registered when their routes load)."""
from __future__ import annotations

from crm.entities import ENTITIES
from mail.states import MailboxState
from org.models import MAX_ID
from web.api.openapi import items_of, op, page_of, param, path_id, ref, register_paths

ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
NULL_ID = {"type": ["integer", "null"]}
TEXT = {"type": "string"}
NULL_TEXT = {"type": ["string", "null"]}
BOOL = {"type": "boolean"}
INT = {"type": "integer"}
TIME = {"type": ["string", "null"], "format": "date-time"}
ADDRESSES = {"type": "array", "items": TEXT}
ENTITY = {"type": "string", "enum": list(ENTITIES)}
SECURITY = {"type": "string", "enum": ["none", "starttls", "ssl"]}
UNAVAILABLE = {"description": "The mailbox's server cannot be used right now",
               "content": {"application/json": {"schema": ref("Error")}}}
LIMIT = param("limit", schema={"type": "integer", "minimum": 1, "maximum": 200, "default": 50})
CURSOR = param("cursor", description="The `next` value of the previous page")


def _obj(props: dict, required: list[str] | None = None, closed: bool = True) -> dict:
    out = {"type": "object", "properties": props, "required": list(props) if required is None else required}
    if closed:
        out["additionalProperties"] = False
    return out


STATE = {"state": {"type": "string", "enum": list(MailboxState)}, "last_error": TEXT, "failures": INT,
         "next_attempt_at": TIME, "last_poll_at": TIME, "last_success_at": TIME,
         "backfill": _obj({"total": INT, "done": INT})}
PATTERNS = _obj({k: TEXT for k in ENTITIES}, required=[])
IMAP_INPUT = {"host": TEXT, "port": {"type": ["integer", "string"]},
              "tls": {"type": "string", "enum": ["none", "starttls", "ssl"]}, "user": TEXT,
              "password": {**NULL_TEXT, "description": "Omitted or null: keep the stored one"},
              "folder": TEXT}


def settings_schemas() -> dict:
    smtp = _obj({"configured": BOOL, "transport": {"type": "string", "enum": ["smtp", "log"]},
                 "host": TEXT, "port": INT, "security": SECURITY, "user": TEXT, "password_set": BOOL,
                 "from_address": TEXT, "from_name": TEXT})
    smtp_input = _obj({"host": {**TEXT, "description": "Empty: not configured (mail goes to the log)"},
                       "port": {"type": ["integer", "string"]},
                       "security": {"type": "string", "enum": ["none", "starttls", "ssl"]}, "user": TEXT,
                       "password": {**NULL_TEXT, "description": "Omitted or null: keep; \"\": clear"},
                       "from_address": TEXT, "from_name": TEXT}, required=[])
    crm = _obj({"configured": BOOL, "host": TEXT, "port": INT, "tls": TEXT, "user": TEXT,
                "password_set": BOOL, "folder": TEXT, "address": TEXT,
                "unmatched": {"type": "string", "enum": ["keep", "create_lead"]},
                "enabled": BOOL, "subject_patterns": PATTERNS, **STATE})
    crm_input = _obj({**IMAP_INPUT, "unmatched": {"type": "string", "enum": ["keep", "create_lead"]},
                      "address": {**TEXT, "description": "The mailbox's own address (first-line rule)"},
                      "enabled": BOOL, "subject_patterns": {**PATTERNS, "description": (
                          "Per record type, text with <n> where the number goes; defaults LID#<n>, CID#<n>, "
                          "COID#<n>, DID#<n>")}}, required=["host", "user"])
    polled = _obj({**crm["properties"], "queued": {"const": True}})
    return {"SmtpSettings": smtp, "SmtpSettingsInput": smtp_input,
            "SmtpTestRequest": _obj({"to": TEXT}), "SmtpTestResult": _obj(
                {"ok": BOOL, "transport": TEXT, "code": NULL_ID, "answer": {**TEXT, "description":
                                                                            "What the server said"}}),
            "CrmMailboxSettings": crm, "CrmMailboxInput": crm_input, "CrmMailboxPoll": polled}


def mail_schemas() -> dict:
    template = _obj({"id": ID, "name": TEXT, "subject": TEXT, "body": TEXT, "created_by_id": NULL_ID,
                     "created_at": TIME, "updated_at": TIME})
    template_input = _obj({"name": TEXT, "subject": TEXT, "body": TEXT}, required=[])
    job = _obj({"id": ID, "kind": TEXT, "status": {"type": "string", "enum": ["queued", "running", "waiting",
                                                                              "done"]},
                "total": INT, "done": {**INT, "description": "Items sent"}, "failed": INT, "skipped": INT,
                "processed": INT, "progress": {"type": "number"}, "params": {"type": "object"},
                "created_by_id": NULL_ID, "created_at": TIME, "finished_at": TIME, "next_run_at": TIME})
    item = _obj({"id": ID, "entity": TEXT, "record_id": ID, "email": TEXT,
                 "status": {"type": "string", "enum": ["pending", "sending", "sent", "skipped", "failed"]},
                 "reason": {**TEXT, "description": "Skipped: no address / do not email / record not found; "
                                                   "failed: the server's answer"},
                 "message_id": NULL_TEXT, "attempts": INT, "subject": TEXT, "entry_id": NULL_ID,
                 "sent_at": TIME})
    message = _obj({"id": ID, "status": TEXT, "reason": TEXT, "source": TEXT, "message_id": TEXT,
                    "from": TEXT, "from_name": TEXT, "to": ADDRESSES, "cc": ADDRESSES, "subject": TEXT,
                    "date": TIME,
                    "size": INT, "attempts": INT, "created_at": TIME, "folder": TEXT, "uid": NULL_ID})
    attachment = _obj({"id": ID, "filename": TEXT, "content_type": TEXT, "size": INT, "content_id": TEXT})
    full = _obj({**message["properties"], "text": TEXT, "has_html": BOOL,
                 "attachments": {"type": "array", "items": attachment},
                 "records": {"type": "array", "items": _obj({"entity": TEXT, "id": ID, "rule": TEXT})}})
    return {"MailTemplate": template, "MailTemplateInput": template_input,
            "MailTemplateList": items_of("MailTemplate"),
            "MailPreviewRequest": _obj({"entity": ENTITY, "id": ID, "subject": TEXT, "body": TEXT},
                                       required=["entity", "id"]),
            "MailPreview": _obj({"subject": TEXT, "body": TEXT, "to": ADDRESSES}),
            "MailSendRequest": _obj({"template_id": ID, "entity": ENTITY,
                                     "ids": {"type": "array", "items": ID, "minItems": 1}}),
            "Job": job, "JobItem": item, "JobItemList": items_of("JobItem"),
            "MailMessage": message, "MailMessagePage": page_of("MailMessage"), "MailMessageFull": full,
            "MailAttachRequest": _obj({"entity": ENTITY, "id": ID}), **_personal_schemas()}


def _personal_schemas() -> dict:
    box = _obj({"attached": BOOL, "host": TEXT, "port": INT, "tls": TEXT, "user": TEXT, "folder": TEXT,
                "password_set": BOOL, "unread": NULL_ID, **STATE}, required=["attached"])
    summary = {"uid": ID, "from": TEXT, "from_name": TEXT, "to": ADDRESSES, "cc": ADDRESSES, "subject": TEXT,
               "date": TIME, "message_id": TEXT, "size": INT}
    listed = _obj({**summary, "seen": BOOL})
    read = _obj({**summary, "text": TEXT,
                 "html": {**TEXT, "description": "As received: sanitise before showing"},
                 "problem": TEXT, "attachments": {"type": "array", "items": {"type": "object"}},
                 "records": {"type": "array", "items": _obj({"entity": TEXT, "id": ID})}},
                required=list(summary) + ["text", "html", "problem", "attachments"])
    logged = _obj({"mail_id": ID, "records": {"type": "array", "items": _obj({"entity": TEXT, "id": ID})}})
    return {"MyMailbox": box, "MyMailboxInput": _obj(IMAP_INPUT, required=["host", "user"]),
            "MyMailList": items_of("MyMail"), "MyMail": listed, "MyMailRead": read, "MyMailLogged": logged}


def register_settings_docs() -> None:
    tag = "Mail settings"
    register_paths({
        "/settings/smtp": {
            "get": op("SMTP settings (administrators)", tag=tag, operation_id="get_smtp",
                      response=ref("SmtpSettings")),
            "put": op("Set the SMTP server (administrators); the password is stored encrypted", tag=tag,
                      operation_id="put_smtp", body=ref("SmtpSettingsInput"), response=ref("SmtpSettings"))},
        "/settings/smtp/test": {"post": op(
            "Send a test mail and report the server's answer", tag=tag, operation_id="test_smtp",
            body=ref("SmtpTestRequest"), response=ref("SmtpTestResult"))},
        "/settings/crm-mailbox": {
            "get": op("The Send&Save CRM mailbox: settings, state, last error, back-fill progress", tag=tag,
                      operation_id="get_crm_mailbox", response=ref("CrmMailboxSettings")),
            "put": op("Set the CRM mailbox (administrators)", tag=tag, operation_id="put_crm_mailbox",
                      body=ref("CrmMailboxInput"), response=ref("CrmMailboxSettings"))},
        "/settings/crm-mailbox/poll": {"post": op(
            "Poll the CRM mailbox now (skips the backoff)", tag=tag, operation_id="poll_crm_mailbox",
            status="202", response=ref("CrmMailboxPoll"), errors=("401", "403", "409"))},
    }, schemas=settings_schemas())


def register_mail_docs() -> None:
    register_paths({**_template_paths(), **_send_paths(), **_received_paths(), **_personal_paths()},
                   schemas=mail_schemas())


def _template_paths() -> dict:
    tag, tid = "Mail templates", path_id("template_id")
    return {
        "/mail/templates": {
            "get": op("List mail templates", tag=tag, operation_id="list_mail_templates",
                      response=ref("MailTemplateList")),
            "post": op("Create a template (administrators); refused if it leaves the sandbox", tag=tag,
                       operation_id="create_mail_template", status="201", body=ref("MailTemplateInput"),
                       response=ref("MailTemplate"))},
        "/mail/templates/{template_id}": {
            "get": op("Get a template", tag=tag, operation_id="get_mail_template", params=[tid],
                      response=ref("MailTemplate")),
            "patch": op("Change a template", tag=tag, operation_id="update_mail_template", params=[tid],
                        body=ref("MailTemplateInput"), response=ref("MailTemplate")),
            "delete": op("Delete a template", tag=tag, operation_id="delete_mail_template", params=[tid],
                         status="204")},
        "/mail/templates/{template_id}/preview": {"post": op(
            "Render a template against a record you may read", tag=tag, operation_id="preview_mail_template",
            params=[tid], body=ref("MailPreviewRequest"), response=ref("MailPreview"))},
        "/mail/templates/preview": {"post": op(
            "Render an unsaved subject and body against a record", tag=tag, operation_id="preview_mail_text",
            body=ref("MailPreviewRequest"), response=ref("MailPreview"))},
    }


def _send_paths() -> dict:
    tag, jid = "Mail sending", path_id("job_id")
    return {
        "/mail/send": {"post": op(
            "Send a template to records (a background job)", tag=tag, operation_id="send_mail", status="202",
            body=ref("MailSendRequest"), response=ref("Job"), description=(
                "Records you may not read are skipped as not found; records marked do not email or without "
                "an address are skipped when the job reaches them. MAIL_RATE_PER_MINUTE limits the pace."))},
        "/jobs/{job_id}": {"get": op("A job's progress", tag=tag, operation_id="get_job", params=[jid],
                                     response=ref("Job"))},
        "/jobs/{job_id}/items": {"get": op(
            "A job's per-recipient results", tag=tag, operation_id="get_job_items",
            response=ref("JobItemList"),
            params=[jid, LIMIT, param("status", schema={"type": "string", "enum": [
                "pending", "sending", "sent", "skipped", "failed"]}),
                param("after", schema=ID, description="Items after this item id")])},
        "/jobs/{job_id}/retry": {"post": op(
            "Send the failed items again (same Message-IDs)", tag=tag, operation_id="retry_job", params=[jid],
            status="202", response=ref("Job"))},
    }


def _received_paths() -> dict:
    tag, mid = "Received mail", path_id("mail_id")
    return {
        "/mail/unassigned": {"get": op("Unassigned mail (for people who file mail on records)", tag=tag,
                                       operation_id="list_unassigned_mail", params=[LIMIT, CURSOR],
                                       response=ref("MailMessagePage"))},
        "/mail/failed": {"get": op("Failed mail with the reasons (administrators)", tag=tag,
                                   operation_id="list_failed_mail", params=[LIMIT, CURSOR],
                                   response=ref("MailMessagePage"))},
        "/mail/failed/{mail_id}/retry": {"post": op(
            "Parse a failed message again (fetching it again when it was never fetched)", tag=tag,
            operation_id="retry_failed_mail", params=[mid], response=ref("MailMessageFull"),
            errors=("401", "403", "404", "409"))},
        "/mail/messages/{mail_id}": {"get": op("A received message you may read", tag=tag,
                                               operation_id="get_mail_message", params=[mid],
                                               response=ref("MailMessageFull"))},
        "/mail/messages/{mail_id}/attach": {"post": op(
            "File a message on a record you may edit", tag=tag, operation_id="attach_mail_message",
            params=[mid], body=ref("MailAttachRequest"), response=ref("MailMessageFull"),
            errors=("401", "403", "404", "409", "422"))},
        "/mail/attachments/{attachment_id}": {"get": op(
            "Download an attachment (if you may read its message)", tag=tag,
            operation_id="get_mail_attachment",
            params=[path_id("attachment_id")], response={"type": "string", "format": "binary"},
            media="application/octet-stream")},
    }


def _personal_paths() -> dict:
    tag, uid = "My mailbox", path_id("uid")
    read = op("Read a message (it becomes read on the server)", tag=tag, operation_id="read_my_mail",
              params=[uid], response=ref("MyMailRead"))
    listed = op("The newest messages of my mailbox", tag=tag, operation_id="list_my_mail",
                response=ref("MyMailList"))
    log = op("Log a message on the CRM records it was exchanged with", tag=tag, operation_id="log_my_mail",
             params=[uid], status="201", response=ref("MyMailLogged"))
    saved = op("Attach or change my mailbox (the login is tried first)", tag=tag,
               operation_id="put_my_mailbox", body=ref("MyMailboxInput"), response=ref("MyMailbox"))
    for operation in (read, listed, log, saved):
        operation["responses"]["503"] = UNAVAILABLE
    return {
        "/me/mailbox": {
            "get": op("My mailbox (settings, state, cached unread count)", tag=tag,
                      operation_id="get_my_mailbox", response=ref("MyMailbox")),
            "put": saved,
            "delete": op("Detach my mailbox", tag=tag, operation_id="delete_my_mailbox", status="204")},
        "/me/mailbox/messages": {"get": listed},
        "/me/mailbox/messages/{uid}": {"get": read},
        "/me/mailbox/messages/{uid}/log": {"post": log},
    }
