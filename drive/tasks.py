"""Celery tasks of the drive: removing bodies that no version names any more (beat, hourly),
reading the text of PDFs for search (after each upload, and a sweep for lost kicks)."""
from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from drive.services import indexing
from drive.services.trash import collect_garbage as collect
from transactions import unit_of_work

log = logging.getLogger(__name__)
# A PDF page that never ends is cut here (drive.pdftext bounds pages, characters and time too).
INDEX_SOFT_LIMIT = 60
INDEX_HARD_LIMIT = 90


@shared_task(name="drive.collect_garbage", ignore_result=True)
def collect_garbage() -> int:
    """Delete unreferenced bodies older than the grace time; idempotent, reads only."""
    return collect()


@shared_task(name="drive.index_text", ignore_result=True,
             soft_time_limit=INDEX_SOFT_LIMIT, time_limit=INDEX_HARD_LIMIT)
def index_text(item_id: int, version_no: int) -> bool:
    """Read the PDF text of that version into the search index; idempotent, a newer version wins."""
    try:
        text = indexing.read_text(item_id, version_no)
    except SoftTimeLimitExceeded:
        log.warning("drive item %s v%s: PDF indexed by name only: reading took over %s s",
                    item_id, version_no, INDEX_SOFT_LIMIT)
        text = ""
    if text is None:
        return False
    with unit_of_work():
        return indexing.store_text(item_id, version_no, text)


@shared_task(name="drive.index_sweep", ignore_result=True)
def index_sweep() -> int:
    """Send index_text for PDFs whose text was never read (a kick lost to a crash)."""
    found = indexing.pending()
    for item_id, version_no in found:
        index_text.delay(item_id, version_no)
    return len(found)
