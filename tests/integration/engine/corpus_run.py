"""Run one corpus diagram as a new user would: upload it, start it by hand on a lead, drive it."""
from __future__ import annotations

from pathlib import Path

from engine.models import ProcessInstance
from extensions import db
from tests.integration.engine.diagrams import upload
from tests.integration.engine.runtime_support import create_lead, drive

CORPUS = Path(__file__).resolve().parents[2] / "corpora" / "bpmn"


def corpus_files() -> list[str]:
    """Every diagram of the corpora as "<folder>/<file>"."""
    return sorted(f"{p.parent.name}/{p.name}" for p in CORPUS.glob("*/*.bpmn"))


def outcome(api, name: str, needs: tuple[str, ...] = ()) -> tuple:
    """("refused", element, message) | ("deploys", why not started) | ("runs", status)
    | ("incident", element, message); `needs` (the files of its called processes) deploy first."""
    for other in needs:
        resp = upload(api, (CORPUS / other).read_bytes(), other)
        assert resp.status_code == 201, (other, resp.get_json())
    path = CORPUS / name
    resp = upload(api, path.read_bytes(), path.name)
    body = resp.get_json()
    if resp.status_code != 201:
        assert resp.status_code == 422, body
        first = body["errors"][0]
        return ("refused", first["element"], first["message"])
    started = api.post(f"/processes/{body['key']}/start", {"entity": "lead", "id": create_lead(api)["id"]})
    if started.status_code != 201:
        assert started.status_code == 422, started.get_json()
        return ("deploys", started.get_json()["fields"]["entity"])
    drive()  # an engine error here fails the test: it must become an incident or a wait
    db.session.expire_all()
    instance = db.session.get(ProcessInstance, started.get_json()["id"])
    if instance.status == "error":
        return ("incident", instance.error_element, instance.error_message)
    return ("runs", instance.status)
