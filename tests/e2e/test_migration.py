"""Instance migration in a real browser: from the process page an administrator maps the renamed
task, sees the dry run, runs the batch and watches htmx report it finished."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from engine.install import install_standard_processes
from engine.instance_migration import run_migration
from tests.e2e.test_processes import login
from tests.integration.engine.runtime_support import create_lead, deploy, drive, instances
from tests.integration.engine.test_instance_migration import RENAMED

pytestmark = pytest.mark.e2e


def test_admin_migrates_instances_from_the_process_page(live_server, page, make_user, api_for):
    ops = make_user("ops@example.com", admin=True)
    api = api_for(ops)
    install_standard_processes()
    create_lead(api, "Moving lead", last_name="Smith", company_name="Co")
    drive()
    [instance] = instances(entity="lead")
    assert deploy(api, RENAMED)["version"] == 2
    login(page, live_server, "ops@example.com")
    page.goto(live_server + "/processes/process_lead")
    page.click("#migrate-instances")
    row = page.locator("#mapping-table tr[data-element=Activity_Qualify]")
    expect(row.locator("select")).to_have_value("")  # no equal id in version 2
    page.click("#dry-run")
    expect(page.locator("#preview-refused")).to_contain_text(f"#{instance.id}")
    expect(page.locator("#run-migration")).to_have_count(0)
    row.locator("select").select_option("Activity_QualifyLead")
    page.click("#dry-run")
    expect(page.locator("#preview-moving")).to_contain_text("Activity_QualifyLead")
    page.click("#run-migration")
    expect(page.locator("#migration-state")).to_have_text("Waiting for a worker")
    migration_id = int(page.url.rsplit("/", 1)[1])
    assert run_migration(migration_id) == "done"  # the Celery task's body; htmx polls the result in
    expect(page.locator("#migration-state")).to_have_text("Finished")
    expect(page.locator("#migration-counts")).to_contain_text("1 migrated")
