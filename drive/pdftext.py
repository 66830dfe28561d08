"""Text of PDF files for search, read with pypdf in the background (drive.tasks.index_text).

Bounded, so a hostile PDF cannot hold a worker: at most MAX_PAGES pages and MAX_TEXT
characters, and no new page is started after DEADLINE_SECONDS (the Celery task's own time
limit stops a single page that never ends). An encrypted or broken PDF gives no text: the
file stays findable by its name, and the reason is logged.
"""
from __future__ import annotations

import logging
import time
from typing import BinaryIO

from drive.text import MAX_TEXT, tidy

log = logging.getLogger(__name__)
PDF_MIME = "application/pdf"
MAX_PAGES = 200
DEADLINE_SECONDS = 20.0


class NoText(Exception):
    """Why a PDF gave no text (encrypted, broken); logged, the file is indexed by its name."""


def pdf_text(body: BinaryIO, *, max_pages: int = MAX_PAGES, deadline: float = DEADLINE_SECONDS) -> str:
    """The text of the PDF's first pages; NoText when it is encrypted or cannot be read."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    started = time.monotonic()
    try:
        reader = PdfReader(body, strict=False)
        if reader.is_encrypted:
            raise NoText("encrypted")
        parts: list[str] = []
        length = 0
        for number, page in enumerate(reader.pages):
            if number >= max_pages or length >= MAX_TEXT:
                break
            if time.monotonic() - started > deadline:
                log.info("PDF text stopped after %d pages (%.0f s)", number, deadline)
                break
            chunk = page.extract_text() or ""
            parts.append(chunk)
            length += len(chunk)
    except NoText:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError, OSError, ZeroDivisionError) as exc:
        # pypdf lets other exceptions than its own escape on malformed files.
        raise NoText(f"unreadable ({type(exc).__name__}: {exc})"[:300]) from exc
    return tidy(" ".join(parts))
