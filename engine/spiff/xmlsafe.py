"""Safe XML parsing for uploaded BPMN: no DTDs, no entities, no network."""

from __future__ import annotations

import re

from lxml import etree

_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class UnsafeXMLError(ValueError):
    """The document declares a DTD or entities, which uploads may not use."""


def _parser() -> etree.XMLParser:
    """An lxml parser that resolves nothing and loads nothing."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
    )


def parse_xml(xml: bytes | str) -> etree._Element:
    """Parse an uploaded document; raise UnsafeXMLError or lxml.etree.XMLSyntaxError."""
    data = xml.encode("utf-8") if isinstance(xml, str) else bytes(xml)
    if _DECLARATION.search(data):
        raise UnsafeXMLError("DOCTYPE and ENTITY declarations are not allowed in BPMN uploads")
    root = etree.fromstring(data, _parser())
    if root.getroottree().docinfo.doctype:
        raise UnsafeXMLError("DOCTYPE declarations are not allowed in BPMN uploads")
    return root
