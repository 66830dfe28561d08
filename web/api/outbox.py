"""The outbox of system mails: its list (filtered by state) and sending held mail (administrators)."""
from __future__ import annotations

from flask import g, jsonify, request

from crm.serialize import json_value
from errors import ValidationError
from mail import outbox
from web.api import api


def outbox_to_dict(row: outbox.SystemMail) -> dict:
    return {"id": row.id, "to": row.to_address, "subject": row.subject, "kind": row.kind,
            "state": row.state, "error": row.error, "attempts": row.attempts,
            "created_at": json_value(row.created_at), "sent_at": json_value(row.sent_at),
            "link": outbox.copyable_link(row)}


def _page_number(name: str, default: int, top: int) -> int:
    raw = request.args.get(name, str(default))
    if not raw.isdigit() or not 1 <= int(raw) <= top:
        raise ValidationError.from_fields({name: f"A whole number from 1 to {top}"})
    return int(raw)


@api.get("/mail/outbox")
def list_outbox():
    """System mails, newest first; `?state=` (queued, sent, failed, held), `?page=`, `?per_page=`."""
    page, per_page = _page_number("page", 1, 10**6), _page_number("per_page", 50, 200)
    rows, total = outbox.list_outbox(actor=g.actor, state=request.args.get("state") or None,
                                     page=page, per_page=per_page)
    return jsonify({"items": [outbox_to_dict(r) for r in rows], "total": total, "page": page,
                    "per_page": per_page})


@api.post("/mail/outbox/release")
def release_outbox():
    """Send held and failed mail again (after the commit)."""
    return jsonify({"released": outbox.release_held(actor=g.actor)})
