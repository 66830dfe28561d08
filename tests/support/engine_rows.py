"""Engine rows for tests that need a process instance without running a diagram."""
from __future__ import annotations

import uuid

from engine.models import ProcessDefinition, ProcessInstance, ProcessVersion
from extensions import db


def make_instance(entity: str | None = None, entity_id: int | None = None, *, key: str = "test_process",
                  on_behalf_of_id: int | None = None, depth: int = 0) -> ProcessInstance:
    """A running instance of a (bare) process version about one record; committed."""
    definition = db.session.query(ProcessDefinition).filter_by(key=key).one_or_none()
    if definition is None:
        definition = ProcessDefinition(key=key, name=key.replace("_", " ").title())
        db.session.add(definition)
        db.session.flush()
        db.session.add(ProcessVersion(definition_id=definition.id, number=1, process_id=key,
                                      name=definition.name, bpmn=b"<definitions/>",
                                      bpmn_sha256=uuid.uuid4().hex * 2, spec_blob="{}"))
        db.session.flush()
    version = db.session.query(ProcessVersion).filter_by(definition_id=definition.id).order_by(
        ProcessVersion.number.desc()).first()
    instance = ProcessInstance(version_id=version.id, status="waiting", entity=entity,
                               entity_id=entity_id, on_behalf_of_id=on_behalf_of_id, depth=depth)
    db.session.add(instance)
    db.session.commit()
    return instance
