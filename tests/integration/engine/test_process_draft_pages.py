"""Drafts, version deletion and archiving on the process pages (the designer's JSON endpoint,
the list, the process page's buttons)."""
from __future__ import annotations

from io import BytesIO

import pytest

from tests.integration.engine.diagrams import review_lead
from tests.integration.engine.runtime_support import create_lead, deploy, drive
from tests.integration.process_pages_support import Browser


@pytest.fixture
def web(app, admin):
    return Browser(app, admin)


def post_draft(web, xml: bytes):
    return web.post("/processes/draft", data={"file": (BytesIO(xml), "d.bpmn")},
                    content_type="multipart/form-data", headers={"Accept": "application/json"})


def test_the_designer_saves_a_draft_and_the_list_publishes_it(web, api):
    saved = post_draft(web, review_lead("paged_draft"))
    assert saved.status_code == 200 and saved.json["url"] == "/processes/paged_draft/draft/edit"
    designer = web.get(saved.json["url"]).get_data(as_text=True)
    assert 'id="draft-badge"' in designer and "/processes/paged_draft/draft/bpmn" in designer
    assert "from_draft=paged_draft" in designer  # publishing from here drops the draft
    listing = web.get("/processes").get_data(as_text=True)
    assert 'data-draft="paged_draft"' in listing
    published = web.post("/processes/paged_draft/draft/publish")
    assert published.status_code == 302 and published.location.endswith("/processes/paged_draft")
    assert 'data-draft="paged_draft"' not in web.get("/processes").get_data(as_text=True)
    assert api.get("/processes/paged_draft").get_json()["version"] == 1


def test_publishing_from_the_designer_drops_the_draft_it_opened(web, api):
    post_draft(web, review_lead("from_designer"))
    answer = web.post("/processes/deploy?from_draft=from_designer",
                      data={"file": (BytesIO(review_lead("from_designer")), "d.bpmn")},
                      content_type="multipart/form-data", headers={"Accept": "application/json"})
    assert answer.status_code == 201
    assert api.get("/processes/from_designer/draft").status_code == 404


def test_the_process_page_archives_and_deletes_unused_versions(web, api):
    deploy(api, review_lead("paged_versions"))
    create_lead(api, "Runs v1")
    drive()
    deploy(api, review_lead("paged_versions", name="v2"))
    page = web.get("/processes/paged_versions").get_data(as_text=True)
    assert 'data-delete-version="2"' in page and 'data-delete-version="1"' not in page
    assert web.post("/processes/paged_versions/versions/2/delete").status_code == 302
    assert api.get("/processes/paged_versions").get_json()["version"] == 1
    assert web.post("/processes/paged_versions/archive").status_code == 302
    page = web.get("/processes/paged_versions").get_data(as_text=True)
    assert 'id="archived-badge"' in page and 'id="unarchive"' in page
    assert 'data-key="paged_versions"' not in web.get("/processes").get_data(as_text=True)
    assert 'data-key="paged_versions"' in web.get("/processes?archived=1").get_data(as_text=True)
