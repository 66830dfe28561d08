"""Which records a received message concerns (the CRM mailbox's four rules, in order).

1. "subject": a subject expression (LID#<n>, CID#<n>, COID#<n>, DID#<n> by default) names an
   existing record -- the only way mail reaches a deal, which has no address;
2. "first_line": the message is sent to the CRM mailbox's own address and the first line of its
   body is made of e-mail addresses -- the records with those addresses;
3. "portal_user": it is sent by a user of the portal (a copy or BCC to the CRM mailbox) -- every
   lead, contact and company whose address is among the To/Cc recipients;
4. "sender": it comes from an outsider -- the records with the sender's address.
The first rule that finds records decides; none: the message is unmatched.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select

from crm.entities import ENTITIES
from crm.models import RecordEmail
from extensions import db
from mail.models import Mailbox
from mail.parse import Parsed
from mail.services.common import valid_email
from mail.services.settings import PLACEHOLDER, patterns_of
from org.models import MAX_ID, User

# Record types with e-mail addresses: incoming mail is matched to them.
ADDRESS_ENTITIES = tuple(n for n, e in ENTITIES.items() if e.has_emails)


@dataclass(frozen=True)
class Target:
    """A record a message is filed on, and the rule that found it."""

    entity: str
    record_id: int
    rule: str


def pattern_regex(pattern: str) -> re.Pattern:
    """"LID#<n>" -> a case-insensitive regex capturing the number, not preceded by a letter or digit."""
    before, _, after = pattern.partition(PLACEHOLDER)
    return re.compile(rf"(?<![A-Za-z0-9]){re.escape(before)}(\d{{1,10}}){re.escape(after)}", re.IGNORECASE)


def subject_targets(subject: str, patterns: dict[str, str]) -> list[Target]:
    """Existing records named in the subject by their type's expression."""
    targets: list[Target] = []
    for entity, pattern in patterns.items():
        ids = {int(n) for n in pattern_regex(pattern).findall(subject or "") if 0 < int(n) <= MAX_ID}
        if not ids:
            continue
        model = ENTITIES[entity].model
        for record_id in sorted(db.session.scalars(select(model.id).where(model.id.in_(ids)))):
            targets.append(Target(entity, record_id, "subject"))
    return targets


def records_with(addresses: list[str], rule: str) -> list[Target]:
    """Leads, contacts and companies having one of the addresses (stored lower-cased)."""
    wanted = sorted({a.lower() for a in addresses if a})
    if not wanted:
        return []
    rows = db.session.execute(select(RecordEmail.entity, RecordEmail.record_id).where(
        RecordEmail.email.in_(wanted), RecordEmail.entity.in_(ADDRESS_ENTITIES)).distinct()
        .order_by(RecordEmail.entity, RecordEmail.record_id))
    return [Target(entity, record_id, rule) for entity, record_id in rows]


PORTAL_CACHE = "mail_portal_addresses"


def portal_addresses() -> set[str]:
    """Every active user's address, lower-cased (a poll loads it once: see `remember_portal_users`)."""
    return {e.lower() for e in db.session.scalars(select(User.email).where(
        User.active.is_(True), User.is_system.is_(False)))}


def remember_portal_users(on: bool) -> None:
    """Keep the portal's addresses for the rest of this poll (on) or forget them (off)."""
    if on:
        db.session.info[PORTAL_CACHE] = portal_addresses()
    else:
        db.session.info.pop(PORTAL_CACHE, None)


def is_portal_user(address: str) -> bool:
    """Whether an active (non-system) user of the portal has this address."""
    if not address:
        return False
    cached = db.session.info.get(PORTAL_CACHE)
    if cached is not None:
        return address.lower() in cached
    return bool(db.session.scalar(select(User.id).where(
        func.lower(User.email) == address.lower(), User.active.is_(True),
        User.is_system.is_(False)).limit(1)))


def first_line_addresses(text: str) -> list[str]:
    """The addresses on the first non-blank line, if that line holds nothing but addresses."""
    line = next((ln.strip() for ln in (text or "").splitlines() if ln.strip()), "")
    tokens = [t.strip().strip("<>").removeprefix("mailto:").lower() for t in re.split(r"[,;\s]+", line)]
    tokens = [t for t in tokens if t]
    if not tokens or len(tokens) > 50 or not all(valid_email(t) for t in tokens):
        return []
    return list(dict.fromkeys(tokens))


def match(parsed: Parsed, box: Mailbox) -> list[Target]:
    """The records the message concerns, by the first rule that finds any."""
    found = subject_targets(parsed.subject, patterns_of(box))
    if found:
        return found
    own = (box.address or "").lower()
    if own and own in parsed.to + parsed.cc:
        found = records_with(first_line_addresses(parsed.text), "first_line")
        if found:
            return found
    if is_portal_user(parsed.from_addr):
        return records_with([a for a in parsed.to + parsed.cc if a != own], "portal_user")
    return records_with([parsed.from_addr], "sender")
