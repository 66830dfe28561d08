"""The CalDAV client side: a caldav.DAVClient whose every connection goes through netguard,
discovery of the calendar collection, and the three requests a sync needs (etags, multiget,
put/delete). Errors come out as SyncFailed with a message safe to show."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, unquote, urljoin, urlsplit

import caldav
import niquests
from caldav.lib import error as dav_error
from lxml import etree

import netguard

NS = {"d": "DAV:", "c": "urn:ietf:params:xml:ns:caldav", "cs": "http://calendarserver.org/ns/"}
TIMEOUT = 20
PROPS = ('<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/">'
         '<d:prop><d:resourcetype/><d:getetag/><cs:getctag/><d:sync-token/></d:prop></d:propfind>')
SYNC = ('<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:"><d:sync-token>{token}</d:sync-token>'
        '<d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>')
MULTIGET = ('<?xml version="1.0"?><c:calendar-multiget xmlns:d="DAV:" '
            'xmlns:c="urn:ietf:params:xml:ns:caldav">'
            '<d:prop><d:getetag/><c:calendar-data/></d:prop>{hrefs}</c:calendar-multiget>')


class SyncFailed(Exception):
    """The server could not be used; the message is safe to show on the calendar."""


@dataclass
class Listing:
    """The collection's change tag and the objects' ETags, by href (path): every object's, or
    (a sync-collection delta, RFC 6578) the changed ones and the `removed` hrefs."""

    ctag: str | None
    sync_token: str | None
    etags: dict[str, str]
    removed: set[str] | None = None  # None: a full listing (gone is what is not listed)


def check_url(url: str) -> str | None:
    """Why `url` cannot be a CalDAV address, or None (http or https with a host)."""
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        return "An http:// or https:// address"
    return None


def connect(url: str, username: str, password: str) -> caldav.DAVClient:
    """A client whose session resolves only the URL's host, to the address netguard checked
    (a redirect elsewhere cannot resolve; DNS cannot change between check and connect)."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        address = netguard.check_host(parts.hostname, port)
    except netguard.Refused as exc:
        raise SyncFailed(str(exc)) from None
    client = caldav.DAVClient(url=url, username=username or None, password=password or None,
                              timeout=TIMEOUT, enable_rfc6764=False)
    client.session = niquests.Session(resolver=f"in-memory://default/?hosts={parts.hostname}:{address}")
    return client


def _tree(response: object) -> etree._Element:
    raw = getattr(response, "raw", "") or ""
    try:
        return etree.fromstring(raw.encode() if isinstance(raw, str) else raw)
    except (etree.XMLSyntaxError, ValueError):
        raise SyncFailed("The server did not answer as a CalDAV server (unreadable answer)") from None


def _check(response: object, what: str) -> None:
    status = getattr(response, "status", 0)
    if status in (401, 403):
        raise SyncFailed("The server refused the user name or password")
    if not 200 <= status < 300:
        raise SyncFailed(f"The server answered {status} to {what}")


def _propfind(client: caldav.DAVClient, url: str, depth: int) -> etree._Element:
    headers = {"Depth": str(depth), "Content-Type": "application/xml"}
    response = client.request(url, "PROPFIND", PROPS, headers)
    _check(response, "PROPFIND")
    return _tree(response)


def _is_calendar(client: caldav.DAVClient, url: str) -> bool:
    tree = _propfind(client, url, 0)
    return tree.find(".//d:resourcetype/c:calendar", NS) is not None


def discover(client: caldav.DAVClient, url: str) -> str:
    """The calendar collection's URL: `url` itself, or the first calendar in the home set."""
    if _is_calendar(client, url):
        return url
    try:
        calendars = client.principal().calendars()
    except dav_error.AuthorizationError:
        raise SyncFailed("The server refused the user name or password") from None
    if not calendars:
        raise SyncFailed("No calendar found at this address or in the account's calendar home")
    return str(calendars[0].url)


def listing(client: caldav.DAVClient, url: str, depth: int = 1) -> Listing:
    """The collection's ctag and sync token, and (depth 1) every event's ETag."""
    tree = _propfind(client, url, depth)
    base, etags, ctag, token = urlsplit(url).path, {}, None, None
    for resp in tree.findall("d:response", NS):
        href = _path(url, resp.findtext("d:href", "", NS))
        if href.rstrip("/") == base.rstrip("/"):
            ctag = resp.findtext(".//cs:getctag", None, NS)
            token = resp.findtext(".//d:sync-token", None, NS)
        elif resp.find(".//d:resourcetype/d:collection", NS) is None:
            etag = resp.findtext(".//d:getetag", None, NS)
            if etag is not None:
                etags[href] = etag
    return Listing(ctag, token, etags)


def changes(client: caldav.DAVClient, url: str, token: str) -> Listing | None:
    """What changed since `token` (RFC 6578 sync-collection); None when the server does not
    offer it or no longer knows the token (the caller then lists everything)."""
    body = SYNC.format(token=_xml(token))
    response = client.request(url, "REPORT", body, {"Depth": "0", "Content-Type": "application/xml"})
    if response.status in (400, 403, 404, 405, 409, 412, 415, 501):
        return None
    _check(response, "REPORT")
    tree, etags, removed = _tree(response), {}, set()
    for resp in tree.findall("d:response", NS):
        href = _path(url, resp.findtext("d:href", "", NS))
        etag = resp.findtext(".//d:getetag", None, NS)
        if "404" in (resp.findtext("d:status", "", NS) or ""):
            removed.add(href)
        elif etag is not None and not href.endswith("/"):
            etags[href] = etag
    return Listing(None, tree.findtext("d:sync-token", None, NS), etags, removed)


def fetch(client: caldav.DAVClient, url: str, hrefs: list[str]) -> dict[str, tuple[str, str]]:
    """{href: (etag, iCalendar text)} of the given objects, in one calendar-multiget."""
    if not hrefs:
        return {}
    body = MULTIGET.format(hrefs="".join(f"<d:href>{_xml(quote(h, safe='/@'))}</d:href>" for h in hrefs))
    response = client.request(url, "REPORT", body, {"Depth": "1", "Content-Type": "application/xml"})
    _check(response, "REPORT")
    found = {}
    for resp in _tree(response).findall("d:response", NS):
        data = resp.findtext(".//c:calendar-data", None, NS)
        if data is not None:
            found[_path(url, resp.findtext("d:href", "", NS))] = (
                resp.findtext(".//d:getetag", "", NS), data)
    return found


def _path(url: str, href: str) -> str:
    """The decoded path of an href (servers differ in what they percent-encode)."""
    return unquote(urlsplit(urljoin(url, href)).path)


def _href(url: str, path: str) -> str:
    return urljoin(url, quote(path, safe="/@"))


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def put(client: caldav.DAVClient, url: str, href: str, text: str, etag: str | None) -> str | None:
    """Write one object; returns its new ETag (None if the server did not say). An ETag that no
    longer matches is a SyncFailed("412") the caller treats as a conflict."""
    headers = {"Content-Type": "text/calendar; charset=utf-8"}
    headers.update({"If-Match": etag} if etag else {"If-None-Match": "*"})
    response = client.request(_href(url, href), "PUT", text, headers)
    if response.status == 412:
        raise SyncFailed("412")
    _check(response, "PUT")
    return response.headers.get("ETag")


def delete(client: caldav.DAVClient, url: str, href: str, etag: str | None) -> None:
    """Delete one object; one already gone is fine."""
    response = client.request(_href(url, href), "DELETE", "", {"If-Match": etag} if etag else {})
    if response.status not in (404, 412):
        _check(response, "DELETE")
