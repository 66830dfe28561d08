"""Install the standard processes shipped in processes/*.bpmn, idempotent by content hash."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

from transactions import unit_of_work

log = logging.getLogger(__name__)
PROCESS_DIR = Path(__file__).resolve().parent.parent / "processes"


def install_standard_processes(directory: Path = PROCESS_DIR) -> list[str]:
    """Deploy each shipped diagram as the system user; a changed file becomes a new version.

    A process installed for the first time is active; an administrator's later deactivation
    is kept (only a new shipped version re-activates it). Returns the keys of new versions.
    """
    from engine.deploy import DiagramInvalid, deploy_as_system
    from extensions import db
    from org.services.users import system_user

    installed = []
    system = system_user()
    for path in sorted(directory.glob("*.bpmn")):
        try:
            with db.session.begin_nested():  # an invalid diagram undoes only itself
                version, created = deploy_as_system(path.read_bytes(), created_by_id=system.id)
        except DiagramInvalid as exc:
            log.error("standard process %s is invalid: %s", path.name, exc.errors)
            continue
        if created:
            version.definition.active = True
            installed.append(version.definition.key)
            log.info("installed %s v%s from %s", version.definition.key, version.number, path.name)
    return installed


def install_on_start(app: Flask) -> list[str]:
    """Called by runner.prepare_database after the upgrade."""
    with app.app_context(), unit_of_work():
        return install_standard_processes()
