"""The fence around outgoing connections (SMTP, IMAP, CalDAV, HTTP activities, webhooks).

A host is resolved once; every address it resolves to must be public (not loopback, private,
link-local, multicast, reserved or unspecified) unless an administrator allowed it, by name or
by network, in FLOWDESK_ALLOWED_PRIVATE_HOSTS (comma-separated host names, addresses or CIDRs)
or in the network setting stored in the database (registered through `add_allowed_source`).
The connection then goes to the address that was checked, never to a second lookup, so a DNS
answer that changes between the check and the connect (DNS rebinding) cannot slip through; TLS
still checks the certificate against the host name. Errors never echo what the remote said
and never tell an open port from a closed one.
"""
from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Callable, Iterable

ENV_VAR = "FLOWDESK_ALLOWED_PRIVATE_HOSTS"
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_sources: list[Callable[[], Iterable[str]]] = []


class Refused(OSError):
    """The host may not be connected to, or cannot be reached; the message is safe to show."""


def add_allowed_source(source: Callable[[], Iterable[str]]) -> None:
    """Register a function giving more allowed entries (the administrators' setting)."""
    if source not in _sources:
        _sources.append(source)


def parse_entries(raw: str | Iterable[str]) -> list[str]:
    """Entries of a comma-separated list (or a list), stripped, lower-cased, empty ones dropped."""
    items = raw.split(",") if isinstance(raw, str) else raw
    return [str(item).strip().lower() for item in items if str(item).strip()]


def entry_error(entry: str) -> str | None:
    """Why an allow-list entry is unusable, or None (a host name, an address or a CIDR)."""
    if "/" in entry:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            return f"{entry!r} is not a network such as 10.0.0.0/8"
        return None
    name = entry.strip("[]")
    try:
        ipaddress.ip_address(name)
        return None
    except ValueError:
        pass
    if not name or len(name) > 253 or not all(c.isalnum() or c in ".-_" for c in name):
        return f"{entry!r} is not a host name, address or network"
    return None


def allowed_entries() -> list[str]:
    """The environment's entries followed by those of every registered source."""
    entries = parse_entries(os.environ.get(ENV_VAR, ""))
    for source in _sources:
        try:
            entries.extend(parse_entries(source()))
        except Exception:  # no app context or no table yet: only the environment counts
            continue
    return entries


def is_public(addr: Address) -> bool:
    """Whether an address is an ordinary Internet address."""
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return not (addr.is_loopback or addr.is_private or addr.is_link_local or addr.is_multicast
                or addr.is_reserved or addr.is_unspecified or not addr.is_global)


def _allowed(host: str, addr: Address, entries: list[str]) -> bool:
    for entry in entries:
        if "/" in entry:
            try:
                if addr in ipaddress.ip_network(entry, strict=False):
                    return True
            except (ValueError, TypeError):
                continue
        elif entry.strip("[]") in (host, str(addr)):
            return True
    return False


def resolve(host: str, port: int) -> list[tuple[int, str]]:
    """(family, address) pairs the host resolves to; Refused when it does not resolve."""
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise Refused(f"Cannot resolve the host name {host}") from None
    seen: list[tuple[int, str]] = []
    for family, _type, _proto, _canon, sockaddr in infos:
        pair = (family, sockaddr[0].split("%", 1)[0])
        if pair not in seen:
            seen.append(pair)
    return seen


def checked_addresses(host: str, port: int) -> list[tuple[int, str]]:
    """The host's addresses that may be connected to; Refused when none may."""
    name = host.strip().strip("[]").lower().rstrip(".")
    entries = allowed_entries()
    pairs = resolve(name, port)
    usable = [(family, ip) for family, ip in pairs
              if is_public(ipaddress.ip_address(ip)) or _allowed(name, ipaddress.ip_address(ip), entries)]
    if not usable:
        raise Refused(f"Connections to {host} are not allowed: it is a loopback, private or reserved "
                      f"address (an administrator can allow it in the network settings)")
    return usable


def check_host(host: str, port: int) -> str:
    """The first address of `host` that may be connected to (Refused otherwise)."""
    return checked_addresses(host, port)[0][1]


def create_connection(host: str, port: int, timeout: float | None = None) -> socket.socket:
    """A TCP connection to a checked address of `host`; Refused (one message) when impossible."""
    for family, ip in checked_addresses(host, port):
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            sock.connect((ip, port))
            return sock
        except OSError:
            sock.close()
    raise cannot_connect(host, port)


def cannot_connect(host: str, port: int) -> Refused:
    """The one error for every failure to talk to a server (closed, filtered or not speaking)."""
    return Refused(f"Cannot connect to {host}:{port}")
