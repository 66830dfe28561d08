"""Reading received messages safely: limits first, then a parser that never takes the poll down.

Python's email parser recurses per nesting level (5,000 nested parts raise RecursionError),
spends seconds on 100,000 sibling parts and memory on huge attachments (shared notes). So:
the size is checked on the server before fetching (RFC822.SIZE), the parts are counted in
the raw bytes before parsing (every part has a Content-Type line), the parse is wrapped so
that any exception -- RecursionError included -- becomes a ParseFailure with the reason, and
each header and body part is read on its own, with fallbacks for broken encodings, unknown
charsets (unknown-8bit, x-user-defined) and malformed RFC 2047 words.
"""
from __future__ import annotations

import codecs
import hashlib
import html as html_lib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from email.utils import getaddresses, parsedate_to_datetime

import nh3

from mail.services.common import valid_email

PART_LINE = re.compile(rb"(?im)^content-type[ \t]*:")
MAX_TEXT = 2_000_000  # characters of body text kept


class ParseFailure(Exception):
    """The message cannot be read; the message says why (shown in "failed mail")."""


@dataclass
class Attachment:
    """A part kept as an attachment: its name, type, bytes and Content-ID (for cid: images)."""

    filename: str
    content_type: str
    data: bytes
    content_id: str = ""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class Parsed:
    """What a message says: addresses lower-cased, text and HTML bodies decoded, attachments."""

    message_id: str = ""
    subject: str = ""
    from_addr: str = ""
    from_name: str = ""
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    date: datetime | None = None
    text: str = ""
    html: str = ""
    attachments: list[Attachment] = field(default_factory=list)

    @property
    def content_hash(self) -> str:
        """A hash of what the message says (not of transport headers a copy may differ in)."""
        h = hashlib.sha256()
        for part in (self.subject, self.from_addr, ",".join(sorted(self.to)), ",".join(sorted(self.cc)),
                     self.date.isoformat() if self.date else "", self.text, self.html,
                     *(a.sha256 for a in self.attachments)):
            h.update(part.encode("utf-8", "replace") + b"\x00")
        return h.hexdigest()

    @property
    def dedup_key(self) -> str:
        key = f"{self.message_id}\n{self.content_hash}".encode("utf-8", "replace")
        return hashlib.sha256(key).hexdigest()


def clean(text: object, limit: int | None = None) -> str:
    """Text safe to store: surrogates from undecodable bytes replaced, NULs dropped."""
    value = str(text or "").encode("utf-8", "surrogateescape").decode("utf-8", "replace").replace("\x00", "")
    return value[:limit] if limit else value


def count_parts(raw: bytes) -> int:
    """An upper bound of the MIME parts in a raw message (each has a Content-Type line)."""
    return len(PART_LINE.findall(raw))


def parse(raw: bytes, *, max_parts: int) -> Parsed:
    """Parse a whole message within the part limit; ParseFailure with the reason otherwise."""
    parts = count_parts(raw)
    if parts > max_parts:
        raise ParseFailure(f"The message has {parts} MIME parts, over the limit of {max_parts} "
                           "(MAIL_MAX_PARTS)")
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        parsed = headers_of(msg)
        _bodies(msg, parsed)
    except RecursionError:
        raise ParseFailure("The MIME structure is nested too deeply to parse") from None
    except MemoryError:
        raise ParseFailure("The message needs too much memory to parse") from None
    except Exception as exc:
        raise ParseFailure(f"The message cannot be parsed: {type(exc).__name__}: {clean(exc, 300)}") from None
    return parsed


def parse_headers(raw_headers: bytes) -> Parsed:
    """Only the headers (for an oversized message that is not fetched whole); never raises."""
    try:
        return headers_of(BytesHeaderParser(policy=policy.default).parsebytes(raw_headers))
    except Exception:
        return Parsed()


def headers_of(msg: EmailMessage) -> Parsed:
    """The envelope fields of a parsed message (each read on its own, never raising)."""
    name, address = _sender(msg)
    return Parsed(message_id=clean(header(msg, "Message-ID").strip(), 500), subject=clean(
        " ".join(header(msg, "Subject").split()), 1000), from_addr=address, from_name=clean(name, 255),
        to=addresses(msg, "To"), cc=addresses(msg, "Cc"), date=_date(header(msg, "Date")))


def header(msg: EmailMessage, name: str) -> str:
    """A header's decoded text; broken encodings fall back to a lenient decode of the raw value."""
    try:
        value = msg.get(name)
        return "" if value is None else clean(value)
    except Exception:
        raw = next((v for k, v in msg.raw_items() if k.lower() == name.lower()), "")
        return _loose(raw)


def _loose(raw: str) -> str:
    try:
        return clean(make_header(decode_header(raw)))
    except Exception:
        return clean(raw)


def addresses(msg: EmailMessage, name: str) -> list[str]:
    """Lower-cased valid addresses of a header, each once."""
    try:
        values = [clean(v) for v in (msg.get_all(name) or [])]
    except Exception:
        values = [_loose(v) for k, v in msg.raw_items() if k.lower() == name.lower()]
    out: list[str] = []
    for _display, addr in getaddresses(values):
        addr = addr.strip().lower()
        if valid_email(addr) and addr not in out:
            out.append(addr)
    return out


def _sender(msg: EmailMessage) -> tuple[str, str]:
    for name, addr in getaddresses([header(msg, "From")]):
        if valid_email(addr.strip().lower()):
            return name.strip(), addr.strip().lower()
    return "", ""


def _date(value: str) -> datetime | None:
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment if 1970 <= moment.year <= 9999 else None


def _leaves(msg: EmailMessage) -> list[EmailMessage]:
    """Non-multipart parts in order, walked without recursion; attached messages stay whole."""
    leaves, stack = [], [msg]
    while stack:
        part = stack.pop()
        children = part.get_payload() if part.is_multipart() and part.get_content_maintype() == "multipart" \
            else None
        if isinstance(children, list):
            stack.extend(reversed(children))
        else:
            leaves.append(part)
    return leaves


def _bodies(msg: EmailMessage, parsed: Parsed) -> None:
    text = html = None
    for position, part in enumerate(_leaves(msg)):
        ctype = _safe(part.get_content_type, "application/octet-stream")
        disposition = _safe(part.get_content_disposition, None)
        filename = clean(_safe(part.get_filename, None) or "", 255)
        inline_text = not filename and disposition != "attachment"
        if ctype == "text/plain" and inline_text and text is None:
            text = decode_text(part)
        elif ctype == "text/html" and inline_text and html is None:
            html = decode_text(part)
        else:
            parsed.attachments.append(_attachment(part, ctype, filename, position))
    parsed.html = clean(html or "", MAX_TEXT)
    parsed.text = clean(text if text is not None else html_to_text(parsed.html), MAX_TEXT)


def _attachment(part: EmailMessage, ctype: str, filename: str, position: int) -> Attachment:
    if part.get_content_maintype() == "message":
        inner = part.get_payload()
        data = _safe(lambda: (inner[0] if isinstance(inner, list) else part).as_bytes(), b"")
        filename = filename or f"message-{position}.eml"
    else:
        data = _safe(lambda: part.get_payload(decode=True), b"") or b""
    content_id = clean(_safe(lambda: part.get("Content-ID", ""), "") or "", 255).strip().strip("<>")
    extension = {"text/plain": "txt", "text/html": "html"}.get(ctype, "bin")
    return Attachment(filename or f"part-{position}.{extension}", clean(ctype, 255), data, content_id)


def _safe(fn, default):  # noqa: ANN001
    try:
        return fn()
    except Exception:
        return default


def decode_text(part: EmailMessage) -> str:
    """A text part's content in its charset; unknown or lying charsets fall back to UTF-8/cp1252."""
    payload = _safe(lambda: part.get_payload(decode=True), b"") or b""
    charset = (_safe(part.get_content_charset, None) or "us-ascii").strip().lower()
    try:
        if codecs.lookup(charset)._is_text_encoding is False:
            raise LookupError(charset)
        return payload.decode(charset, errors="replace")
    except (LookupError, TypeError, ValueError, UnicodeError):
        pass
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        return payload.decode("cp1252", errors="replace")


def html_to_text(html: str) -> str:
    """Readable text of an HTML body (for timelines and matching)."""
    if not html:
        return ""
    stripped = nh3.clean(re.sub(r"(?i)<br\s*/?>|</p>|</div>|</tr>|</li>", "\n", html), tags=set())
    lines = (" ".join(line.split()) for line in html_lib.unescape(stripped).splitlines())
    return "\n".join(line for line in lines if line).strip()
