"""What the engine's mail.send activity calls: queue a template mail about one record."""
from __future__ import annotations

from errors import ValidationError
from mail.services.jobs import PROCESS_KIND, new_job
from mail.services.recipients import addresses_for
from mail.services.templates import template_by_name
from org.actors import Actor, ProcessActor


def queue_template_mail(template: str, entity: str, record_id: int, *, actor: Actor) -> dict:
    """Add a one-item send job in the caller's transaction (sent by a worker after the commit).

    The template is named; an unknown name is a ValidationError on `template`. The caller has
    checked that the actor may read the record."""
    found = template_by_name(template)
    if found is None:
        raise ValidationError.from_fields({"template": f"No mail template named {template!r}"})
    params = {}
    if isinstance(actor, ProcessActor):
        params = {"instance_id": actor.instance_id, "on_behalf_of_id": actor.on_behalf_of_id,
                  "depth": actor.depth}
    job = new_job(PROCESS_KIND, entity, [record_id], {record_id}, found.id, found.name, actor=actor,
                  params=params)
    return {"template": found.name, "to": addresses_for(entity, record_id), "sent": False,
            "status": "queued", "job_id": job.id, "entry_id": None}
