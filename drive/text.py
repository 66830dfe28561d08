"""Text of common formats for search: plain text and Markdown, ODF (odt, ods, odp) and OOXML (docx).

PDF is read by drive.pdftext in the background (drive.tasks.index_text), not here: a PDF can be
slow to read. At most MAX_TEXT characters are kept.
"""
from __future__ import annotations

import re
import zipfile
from typing import BinaryIO

MAX_TEXT = 100_000
MAX_BODY = 20 * 1024 * 1024  # larger bodies are not read for their text
TEXT_TYPES = ("text/plain", "text/markdown", "text/csv", "text/x-markdown")
ZIP_PARTS = {
    "application/vnd.oasis.opendocument.text": "content.xml",
    "application/vnd.oasis.opendocument.spreadsheet": "content.xml",
    "application/vnd.oasis.opendocument.presentation": "content.xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "word/document.xml",
}
_TAG = re.compile(rb"<[^>]+>")
_SPACE = re.compile(r"\s+")


def extract_text(body: BinaryIO, mime: str, size: int) -> str:
    """The searchable text of a body ("" for other types, bodies too large, or broken files)."""
    if size > MAX_BODY:
        return ""
    try:
        if mime in TEXT_TYPES or mime.startswith("text/"):
            raw = body.read(MAX_TEXT * 4)
        elif mime in ZIP_PARTS:
            with zipfile.ZipFile(body) as archive:
                xml = archive.read(ZIP_PARTS[mime])
            # Paragraph and cell ends become spaces, then every tag goes.
            raw = _TAG.sub(b" ", xml)
        else:
            return ""
    except (zipfile.BadZipFile, KeyError, OSError):
        return ""
    return tidy(raw.decode("utf-8", "replace"))


def tidy(text: str) -> str:
    """Runs of blanks as one space, at most MAX_TEXT characters."""
    return _SPACE.sub(" ", text).strip()[:MAX_TEXT]
