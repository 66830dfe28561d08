"""The drive's service-task activities: a folder per record, a file saved into it, idempotent."""
from __future__ import annotations

import pytest

import engine.models  # noqa: F401  (tables known to the wipe)
from engine.activities import ActivityError, dispatch, make_context
from tests.support.engine_rows import make_instance


@pytest.fixture
def run(admin):
    instance = make_instance("lead", None, on_behalf_of_id=admin.id, depth=0)

    def call(topic, params, uuid="task-1"):
        return dispatch(topic, params, make_context(instance, uuid, "Activity_1"))

    return call


def test_folder_per_deal_and_a_file_in_it(run, api):
    made = run("drive.create_folder", {"name": "Deal 42 – Acme"})
    assert run("drive.create_folder", {"name": "Deal 42 – Acme"}, uuid="task-2") == made  # reused
    saved = run("drive.save_file", {"parent": made["folder_id"], "name": "summary.txt", "content": "Won."},
                uuid="task-3")
    assert api.get(f"/drive/items/{saved['file_id']}").json["version"] == 1
    again = run("drive.save_file", {"parent": made["folder_id"], "name": "summary.txt", "content": "Won!"},
                uuid="task-4")
    assert again == saved
    assert api.get(f"/drive/items/{saved['file_id']}").json["version"] == 2
    assert run("drive.save_file", {"parent": made["folder_id"], "name": "summary.txt", "content": "x"},
               uuid="task-4") == again  # a retried step acts once
    company = [d for d in api.get("/drive/drives").json["items"] if d["drive"]["kind"] == "company"][0]
    listing = api.get(f"/drive/items?parent={company['id']}").json["items"]
    assert [i["name"] for i in listing] == ["Deal 42 – Acme"]
    body = api.get(f"/drive/items/{saved['file_id']}/content").data
    assert body == b"Won!"


def test_bad_parameters_name_the_parameter(run):
    with pytest.raises(ActivityError, match="drive.create_folder: parameter 'name'"):
        run("drive.create_folder", {"name": "a/b"})
    with pytest.raises(ActivityError, match="parameter 'drive'"):
        run("drive.create_folder", {"name": "x", "drive": "team:1"}, uuid="t2")
