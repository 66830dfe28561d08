"""New documents from the empty ODF templates in drive/templates, and links that open them
in the desktop applications (over WebDAV)."""
from __future__ import annotations

from pathlib import Path

from drive.models import DriveItem
from drive.services.files import create_from_bytes
from errors import ValidationError
from org.actors import Actor

TEMPLATES = Path(__file__).parent / "templates"
KINDS = {"document": "empty.odt", "spreadsheet": "empty.ods", "presentation": "empty.odp"}
OFFICE_SCHEMES = {"document": "ms-word", "spreadsheet": "ms-excel", "presentation": "ms-powerpoint"}
ODF_KIND = {"application/vnd.oasis.opendocument.text": "document",
            "application/vnd.oasis.opendocument.spreadsheet": "spreadsheet",
            "application/vnd.oasis.opendocument.presentation": "presentation"}


def create_document(parent_id: object, kind: object, name: object, *, actor: Actor) -> DriveItem:
    """An empty document, spreadsheet or presentation named `name` (the extension is added)."""
    if not isinstance(kind, str) or kind not in KINDS:
        raise ValidationError.from_fields({"template": "One of " + ", ".join(KINDS)})
    suffix = KINDS[kind][len("empty"):]  # type: ignore[index]
    if not isinstance(name, str) or not name.strip():
        raise ValidationError.from_fields({"name": "A name is required"})
    if not name.lower().endswith(suffix):
        name = name + suffix
    body = (TEMPLATES / KINDS[kind]).read_bytes()  # type: ignore[index]
    return create_from_bytes(parent_id, name, body, actor=actor)


def open_links(dav_url: str, mime: str) -> dict:
    """The URLs desktop applications register: LibreOffice for every office file, Office by kind."""
    kind = ODF_KIND.get(mime) or _ooxml_kind(mime) or "document"
    return {"webdav": dav_url, "libreoffice": f"vnd.libreoffice.command:ofv|u|{dav_url}",
            "office": f"{OFFICE_SCHEMES[kind]}:ofe|u|{dav_url}"}


def _ooxml_kind(mime: str) -> str | None:
    if "wordprocessingml" in mime:
        return "document"
    if "spreadsheetml" in mime:
        return "spreadsheet"
    if "presentationml" in mime:
        return "presentation"
    return None
