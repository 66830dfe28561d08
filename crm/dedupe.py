"""Duplicate keys of CRM records: normalised e-mail, phone (E.164), company name, deal title.

Keys are stored in `dedupe_key` (one row per record, kind and key) whenever a record is
created or changed, so finding possible duplicates is an indexed lookup of equal keys.
"""
from __future__ import annotations

import os
import re
import unicodedata

import phonenumbers
from flask import current_app, has_app_context
from sqlalchemy import delete

from crm.models import DedupeKey
from extensions import db

EMAIL, PHONE, NAME, TITLE = "email", "phone", "name", "title"
# Legal-form suffixes stripped from company names ("Acme GmbH" = "ACME"), compared without dots.
LEGAL_FORMS = frozenset("""gmbh ag kg ohg ug mbh co ltd limited inc incorporated corp corporation llc
llp lp plc sa sas sarl srl spa bv nv oy ab as aps kk pty pvt sro gbr ev eg se kgaa company""".split())
WORD = re.compile(r"[^\w&]+")


def phone_region() -> str:
    """The region numbers without a country code belong to (FLOWDESK_PHONE_REGION)."""
    if has_app_context():
        return current_app.config.get("PHONE_REGION", "DE")
    return os.environ.get("FLOWDESK_PHONE_REGION", "DE").upper()


def norm_email(value: object) -> str:
    """Lower-case, trimmed; "" when it holds no @."""
    text = str(value or "").strip().lower()
    return text if "@" in text else ""


def norm_phone(value: object, region: str | None = None) -> str:
    """E.164 ("+4930123456"); a number phonenumbers cannot read keeps only its digits."""
    text = str(value or "").strip()
    digits = re.sub(r"\D", "", text)
    if len(digits) < 5:  # an extension or a typo: matching it would join unrelated records
        return ""
    try:
        parsed = phonenumbers.parse(text, region or phone_region())
        if phonenumbers.is_possible_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        pass
    return digits


def norm_name(value: object) -> str:
    """Company name without case, accents, punctuation and legal-form suffixes."""
    text = unicodedata.normalize("NFKD", str(value or "")).encode("ascii", "ignore").decode().lower()
    text = text.replace(".", "")  # "G.m.b.H." reads as "gmbh"
    words = [w for w in WORD.split(text) if w]
    while len(words) > 1 and words[-1] in LEGAL_FORMS | {"&", "and", "und"}:
        words.pop()
    return " ".join(words)


def keys_of(entity: str, values: dict, emails: list[str] | None) -> set[tuple[str, str]]:
    """The (kind, key) pairs of a record given its field values and e-mail addresses."""
    keys = {(EMAIL, k) for k in map(norm_email, emails or []) if k}
    keys |= {(PHONE, k) for k in map(norm_phone, values.get("phones") or []) if k}
    if entity == "company" and norm_name(values.get("title")):
        keys.add((NAME, norm_name(values.get("title"))))
    if entity == "deal" and norm_name(values.get("title")):
        # A deal's title counts only together with its company: "Renewal" is common.
        keys.add((TITLE, f"{norm_name(values.get('title'))}|{values.get('company_id') or ''}"))
    return {(kind, key[:320]) for kind, key in keys}


def query_keys(entity: str, *, email: str = "", phone: str = "", title: str = "",
               company_id: object = None) -> set[tuple[str, str]]:
    """The keys to look for from what a form or an API call gives."""
    return keys_of(entity, {"phones": [p for p in phone.split(",") if p.strip()], "title": title,
                            "company_id": company_id}, [e for e in email.split(",") if e.strip()])


def set_keys(entity: str, record: object, emails: list[str] | None) -> None:
    """Replace the record's stored keys; the caller commits."""
    forget_keys(entity, [record.id])
    add_keys(entity, record, emails)


def add_keys(entity: str, record: object, emails: list[str] | None) -> None:
    """Store the keys of a record that has none yet (just created); the caller commits."""
    values = {c: getattr(record, c, None) for c in ("phones", "title", "company_id")}
    for kind, key in sorted(keys_of(entity, values, emails)):
        db.session.add(DedupeKey(entity=entity, record_id=record.id, kind=kind, key=key))


def forget_keys(entity: str, record_ids: list[int]) -> None:
    """Remove the keys of records (deleted, or about to be rewritten)."""
    db.session.execute(delete(DedupeKey).where(
        DedupeKey.entity == entity, DedupeKey.record_id.in_(record_ids)))
