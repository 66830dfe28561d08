"""Search text of PDFs, read after the upload commits (drive.tasks.index_text) and swept hourly."""
from __future__ import annotations

import logging

from sqlalchemy import select, update

from drive.models import DriveItem
from drive.pdftext import PDF_MIME, NoText, pdf_text
from drive.text import MAX_BODY
from extensions import db

log = logging.getLogger(__name__)


def _current(item_id: int, version_no: int) -> DriveItem | None:
    """The PDF if `version_no` is still its current version and its text is not read yet."""
    item = db.session.get(DriveItem, item_id)
    if item is None or item.version_no != version_no or item.mime != PDF_MIME:
        return None  # gone, or a newer version has its own task
    return None if item.text_version == version_no else item


def read_text(item_id: int, version_no: int) -> str | None:
    """The PDF text of that version ("" when it has none), None when there is nothing to do."""
    from drive.services.files import storage

    item = _current(item_id, version_no)
    if item is None:
        return None
    if item.size > MAX_BODY:
        log.info("drive item %s v%s: PDF of %s bytes indexed by name only (too large)",
                 item_id, version_no, item.size)
        return ""
    try:
        with storage().open(item.content_hash or "") as body:
            return pdf_text(body)
    except NoText as exc:
        log.warning("drive item %s v%s: PDF indexed by name only: %s", item_id, version_no, exc)
        return ""


def store_text(item_id: int, version_no: int, text: str) -> bool:
    """Keep the text if that version is still current (a newer save wins); True when stored."""
    done = db.session.execute(
        update(DriveItem).where(DriveItem.id == item_id, DriveItem.version_no == version_no)
        .values(text=text, text_version=version_no).execution_options(synchronize_session=False))
    return done.rowcount == 1


def pending(limit: int = 200) -> list[tuple[int, int]]:
    """(item id, version) of PDFs whose current version's text was not read (a lost kick)."""
    rows = db.session.execute(
        select(DriveItem.id, DriveItem.version_no).where(
            DriveItem.mime == PDF_MIME, DriveItem.is_folder.is_(False),
            DriveItem.text_version != DriveItem.version_no).order_by(DriveItem.id).limit(limit))
    return [(int(i), int(v)) for i, v in rows]
