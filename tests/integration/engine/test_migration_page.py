"""The instance migration page: pick versions, map elements (equal ids pre-filled), a dry run
naming what moves and what is refused, the batch run on the movable instances, its progress."""
from __future__ import annotations

import re

from engine.install import install_standard_processes
from engine.instance_migration import run_migration
from tests.integration.engine.runtime_support import create_lead, deploy, drive, instances
from tests.integration.engine.test_instance_migration import RENAMED

URL = "/processes/process_lead/migrate"


def test_migration_page_dry_run_then_run(app, api, admin, make_user):
    from tests.support.browser import session_client

    install_standard_processes()
    for n in range(2):
        create_lead(api, f"Move {n}", last_name="Smith", company_name=f"Co {n}")
    drive()
    ids = sorted(i.id for i in instances(entity="lead"))
    assert deploy(api, RENAMED)["version"] == 2
    web = session_client(app, admin)
    process = web.get("/processes/process_lead").data.decode()
    assert 'id="migrate-instances"' in process and "from_version=1" in process

    page = web.get(URL, query_string={"from_version": 1, "to_version": 2}).data.decode()
    assert "Version 1 · 2 unfinished" in page
    row = re.search(r'<tr data-element="Activity_Qualify" class="table-warning">.*?</tr>', page, re.S)[0]
    assert '<option value="" selected' not in row and "selected" not in row  # no counterpart: not mapped
    kept = re.search(r'<tr data-element="StartEvent_[^"]*">.*?</tr>', page, re.S)
    assert kept is None or "selected" in kept.group(0)  # equal ids: pre-filled

    form = {"from_version": "1", "to_version": "2", "action": "dry"}
    refused = web.post(URL, data=form).data.decode()
    assert 'id="preview-refused"' in refused and 'id="run-migration"' not in refused
    assert all(f'data-instance="{i}"' in refused for i in ids) and "Activity_Qualify" in refused

    mapped = {**form, "map:Activity_Qualify": "Activity_QualifyLead"}
    dry = web.post(URL, data=mapped).data.decode()
    assert 'id="preview-moving"' in dry and "Activity_Qualify</code> → <code>Activity_QualifyLead" in dry
    assert 'id="run-migration"' in dry and "Refused (0)" in dry
    assert {i.version.number for i in instances(entity="lead")} == {1}  # a dry run moves nothing

    run = web.post(URL, data={**mapped, "action": "run", "instance": [str(ids[0])]})
    assert run.status_code == 302, run.data[:300]
    progress_url = run.headers["Location"]
    page = web.get(progress_url).data.decode()
    assert 'data-state="pending"' in page and "hx-trigger=\"every 1s\"" in page and "0 of 1" in page
    migration_id = int(progress_url.rstrip("/").rsplit("/", 1)[1])
    assert run_migration(migration_id) == "done"  # what the Celery task does
    panel = web.get(f"{progress_url}/progress").data.decode()
    assert 'data-state="done"' in panel and "hx-get" not in panel and "1 migrated" in panel
    assert {i.id: i.version.number for i in instances(entity="lead")} == {ids[0]: 2, ids[1]: 1}
    _refusals(app, web, make_user, mapped, progress_url)


def _refusals(app, web, make_user, mapped: dict, progress_url: str) -> None:
    """Bad input: 422 naming the field; no administrator: 403 and no button."""
    from tests.support.browser import session_client

    form = {k: v for k, v in mapped.items() if not k.startswith("map:")}
    bad = web.post(URL, data={**form, "from_version": "x"})
    assert bad.status_code == 422 and b'data-field="from_version"' in bad.data
    unknown = web.post(URL, data={**form, "map:Activity_Qualify": "Nope"})
    assert unknown.status_code == 422 and b"mapping.Activity_Qualify" in unknown.data
    outsider = session_client(app, make_user())
    assert outsider.get(URL).status_code == 403
    assert outsider.post(URL, data=mapped).status_code == 403
    assert outsider.get(progress_url).status_code == 403
    assert 'id="migrate-instances"' not in outsider.get("/processes/process_lead").data.decode()
