"""PDF text in the drive's search: read by the background task (drive.tasks.index_text), bounded,
found only by those who may read the file; a broken or encrypted PDF is found by its name only."""
from __future__ import annotations

import logging

import pytest

from tests.integration.drive.conftest import root_of, upload


def pdf_with(*pages: str, password: str | None = None) -> bytes:
    """A real PDF (fpdf2) with one page per text."""
    from fpdf import FPDF

    doc = FPDF()
    doc.set_font("helvetica", size=12)
    for text in pages:
        doc.add_page()
        doc.cell(text=text)
    if password:
        doc.set_encryption(owner_password=password, user_password=password)
    return bytes(doc.output())


def names(api, query: str) -> list[str]:
    answer = api.get(f"/drive/search?q={query}")
    assert answer.status_code == 200, answer.json
    return [i["name"] for i in answer.json["items"]]


def index_pending() -> int:
    """What the beat's sweep and the after-commit kick do: run index_text for each pending PDF."""
    from drive.services import indexing
    from drive.tasks import index_text

    found = indexing.pending()
    for item_id, version_no in found:
        index_text(item_id, version_no)
    return len(found)


@pytest.fixture
def dropped_kicks(monkeypatch):
    """The after-commit kicks the uploads queued (the test app sends none to Celery)."""
    import transactions

    sent: list[tuple] = []
    monkeypatch.setattr(transactions, "_send_task", lambda name, *args: sent.append((name, *args)))
    return sent


def test_a_pdf_is_found_by_its_text_with_rights(ann_api, bob, bob_api, dropped_kicks):
    from drive.tasks import index_text

    root = root_of(ann_api)
    body = pdf_with("Quarterly zebrafish census", "Second kumquat page")
    made = upload(ann_api, root, ("report.pdf", body))
    assert made.status_code == 201, made.json
    iid = made.json["items"][0]["id"]
    assert ("drive.index_text", iid, 1) in dropped_kicks  # read after the commit, in a worker
    assert names(ann_api, "zebrafish") == []
    assert index_text(iid, 1) is True
    assert index_text(iid, 1) is False  # idempotent: nothing left to do
    assert names(ann_api, "zebrafish") == ["report.pdf"]
    assert names(ann_api, "kumquat") == ["report.pdf"]  # every page
    assert names(bob_api, "zebrafish") == []  # no read right, no hit
    ann_api.put(f"/drive/items/{iid}/rights", [{"subject": "user", "id": bob.id, "level": "read"}])
    assert names(bob_api, "zebrafish") == ["report.pdf"]


def test_a_newer_version_wins_over_a_late_reader(ann_api, dropped_kicks):
    from drive.tasks import index_text

    root = root_of(ann_api)
    iid = upload(ann_api, root, ("notes.pdf", pdf_with("oldword"))).json["items"][0]["id"]
    upload(ann_api, root, ("notes.pdf", pdf_with("newword")))
    assert index_text(iid, 1) is False  # version 1 is no longer current
    assert index_text(iid, 2) is True
    assert names(ann_api, "newword") == ["notes.pdf"] and names(ann_api, "oldword") == []


def test_broken_and_encrypted_pdfs_upload_and_are_found_by_name(ann_api, caplog, dropped_kicks):
    root = root_of(ann_api)
    broken = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >> endobj\nxref\n0 nonsense\n%%EOF\n"
    made = upload(ann_api, root, ("broken.pdf", broken), ("secret.pdf", pdf_with("hidden", password="pw")))
    assert made.status_code == 201, made.json
    assert [i["mime"] for i in made.json["items"]] == ["application/pdf", "application/pdf"]
    with caplog.at_level(logging.WARNING, logger="drive.services.indexing"):
        assert index_pending() == 2
    assert index_pending() == 0  # both are done: the sweep does not come back to them
    reasons = " ".join(r.getMessage() for r in caplog.records)
    assert "indexed by name only" in reasons and "encrypted" in reasons and "unreadable" in reasons
    assert names(ann_api, "broken") == ["broken.pdf"]
    assert names(ann_api, "secret") == ["secret.pdf"] and names(ann_api, "hidden") == []


def test_the_text_is_bounded_by_pages():
    import io

    from drive.pdftext import pdf_text

    body = pdf_with(*(f"page{n}word" for n in range(5)))
    text = pdf_text(io.BytesIO(body), max_pages=2)
    assert "page1word" in text and "page2word" not in text
    assert pdf_text(io.BytesIO(body), deadline=-1.0) == ""  # past the deadline no page is begun


def test_the_pdf_preview_is_pdfjs_over_the_checked_download(client, ann, bob, ann_api):
    iid = upload(ann_api, root_of(ann_api), ("view.pdf", pdf_with("seen"))).json["items"][0]["id"]
    body_url = f"/drive/items/{iid}/download?inline=1"
    client.post("/login", data={"email": bob.email, "password": "Quiet-bay-42"})
    assert client.get(body_url).status_code == 404  # no read right: as for a download
    client.post("/logout")
    client.post("/login", data={"email": ann.email, "password": "Quiet-bay-42"})
    page = client.get(f"/drive/items/{iid}").get_data(as_text=True)
    assert "pdf-viewer.js" in page and f'data-pdf-src="{body_url.replace("&", "&amp;")}"' in page
    assert "pdf.worker.js" in page and "<iframe" not in page
    served = client.get(body_url)
    assert served.status_code == 200 and served.data.startswith(b"%PDF")
    assert served.headers["Content-Type"] == "application/pdf"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in served.headers["Content-Security-Policy"]
    assert served.headers["Content-Disposition"].startswith("inline")
