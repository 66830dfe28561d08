"""Mail rows about CRM records follow a merge (crm.services.merge): logged messages and bulk-send items."""
from __future__ import annotations

from crm.services.merge import move_rows, register_mover
from mail.models import JobItem, MailLink


def move_mail(entity: str, from_ids: list[int], to_id: int) -> int:
    """Move mail links (one per message and record) and send-job items; the links moved."""
    move_rows(JobItem, entity, from_ids, to_id, unique=("job_id",))
    return move_rows(MailLink, entity, from_ids, to_id, unique=("mail_id",))


def register() -> None:
    register_mover("mail_links", move_mail)
