"""Rights on items (read and replace the list), "shared with me", and public links."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from drive import rights
from drive.models import DriveItem, DriveLink, DriveRight
from drive.services.items import get_item
from errors import NotFound, ValidationError
from extensions import db
from org.actors import Actor, actor_user
from org.models import Department, User, utcnow, valid_id
from org.workgroups import Workgroup

_hasher = PasswordHasher()
SUBJECT_MODELS = {"user": User, "department": Department, "workgroup": Workgroup}


def get_rights(item_id: object, *, actor: Actor) -> tuple[DriveItem, int, list[DriveRight]]:
    """The entries set on the item itself (read right), and the actor's level."""
    item, level = get_item(item_id, actor=actor)
    query = select(DriveRight).where(DriveRight.item_id == item.id).order_by(DriveRight.id)
    rows = list(db.session.scalars(query))
    return item, level, rows


def _parse_entry(raw: object, i: int) -> tuple[str, int | None, bool, str]:
    where = f"rights[{i}]"
    if not isinstance(raw, dict):
        raise ValidationError.from_fields({where: "Expected an object"})
    subject, sid, level = raw.get("subject"), raw.get("id"), raw.get("level")
    if subject not in rights.SUBJECTS:
        raise ValidationError.from_fields({f"{where}.subject": "One of " + ", ".join(rights.SUBJECTS)})
    if level not in rights.LEVELS:
        raise ValidationError.from_fields({f"{where}.level": "One of " + ", ".join(rights.LEVELS)})
    subs = raw.get("include_subdepartments", False)
    if not isinstance(subs, bool) or (subs and subject != "department"):
        raise ValidationError.from_fields(
            {f"{where}.include_subdepartments": "true or false, departments only"})
    if subject == "everyone":
        return subject, None, False, level
    if not valid_id(sid) or db.session.get(SUBJECT_MODELS[subject], int(sid)) is None:
        raise ValidationError.from_fields({f"{where}.id": f"No {subject} {sid}"})
    return subject, int(sid), subs, level


def set_rights(item_id: object, entries: object, *, actor: Actor) -> list[DriveRight]:
    """Replace the item's entries. Full right: any change; share right: only add or remove
    read and edit entries (the others must stay as they are)."""
    if not isinstance(entries, list):
        raise ValidationError.from_fields({"rights": "Expected a list"})
    item, level = get_item(item_id, actor=actor, level=rights.SHARE)
    wanted = [_parse_entry(raw, i) for i, raw in enumerate(entries)]
    if len(set(w[:3] for w in wanted)) != len(wanted):
        raise ValidationError.from_fields({"rights": "One entry per subject"})
    current = list(db.session.scalars(select(DriveRight).where(DriveRight.item_id == item.id)))
    if level < rights.FULL:
        _check_share_only(current, wanted)
    for row in current:
        db.session.delete(row)
    user_id = actor_user(actor).id
    rows = [DriveRight(item_id=item.id, subject=s, subject_id=sid, include_subdepartments=subs, level=lvl,
                       granted_by_id=user_id) for s, sid, subs, lvl in wanted]
    db.session.add_all(rows)
    db.session.flush()
    return rows


def _check_share_only(current: list[DriveRight], wanted: list[tuple]) -> None:
    """The share right may grant or take back read and edit, nothing else."""
    have = {(r.subject, r.subject_id, r.include_subdepartments, r.level) for r in current}
    changed = have.symmetric_difference(wanted)
    bad = sorted({lvl for *_, lvl in changed if lvl not in ("read", "edit")})
    if bad:
        raise ValidationError.from_fields({"rights": "The share right grants read or edit only; "
                                                     f"{', '.join(bad)} needs the full right"})


def shared_with_me(*, actor: Actor, limit: int = 200) -> list[tuple[DriveItem, int]]:
    """Items outside the actor's own drive on which an entry names the actor, their department
    or workgroup, and which they may read."""
    who = rights.who_is(actor)
    me = actor_user(actor)
    rows = db.session.execute(select(DriveRight, Department.path).outerjoin(
        Department, (DriveRight.subject == "department") & (Department.id == DriveRight.subject_id))
        .where(DriveRight.subject != "everyone", DriveRight.level != "none"))
    item_ids = {r.item_id for r, dpath in rows
                if who.matches(r.subject, r.subject_id, r.include_subdepartments, dpath)}
    items = db.session.scalars(select(DriveItem).where(DriveItem.id.in_(item_ids)).order_by(DriveItem.name))
    found = []
    for item in items:
        if item.drive_kind == "user" and item.drive_ref == me.id:
            continue
        level = rights.level_of(who, item)
        if level >= rights.READ:
            found.append((item, level))
    return found[:limit]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_link(item_id: object, *, actor: Actor, expires_at: datetime | None = None,
                password: str | None = None) -> tuple[str, DriveLink]:
    """A public link (share right); the token is returned once."""
    item, _ = get_item(item_id, actor=actor, level=rights.SHARE)
    if expires_at is not None and expires_at <= utcnow():
        raise ValidationError.from_fields({"expires_at": "Must lie in the future"})
    token = secrets.token_urlsafe(24)
    row = DriveLink(item_id=item.id, token_hash=_digest(token), expires_at=expires_at,
                    password_hash=_hasher.hash(password) if password else None,
                    created_by_id=actor_user(actor).id)
    db.session.add(row)
    db.session.flush()
    return token, row


def list_links(item_id: object, *, actor: Actor) -> list[DriveLink]:
    item, _ = get_item(item_id, actor=actor, level=rights.SHARE)
    return list(db.session.scalars(select(DriveLink).where(
        DriveLink.item_id == item.id, DriveLink.revoked_at.is_(None)).order_by(DriveLink.id)))


def revoke_link(link_id: object, *, actor: Actor) -> DriveLink:
    """Revoke a link (share right on its item)."""
    row = db.session.get(DriveLink, link_id) if valid_id(link_id) else None
    if row is None:
        raise NotFound(f"No link {link_id}")
    get_item(row.item_id, actor=actor, level=rights.SHARE)
    row.revoked_at = utcnow()
    return row


def _password_ok(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def subject_choices() -> dict:
    """Whom a rights dialog offers: active people, departments (tree order), workgroups, and
    `names` {"user:7": "Ann Lee", "everyone:": "Everyone", ...} to show entries by."""
    found: dict = {"user": list(db.session.scalars(select(User).where(
                       User.is_system.is_(False), User.active.is_(True)).order_by(User.email))),
                   "department": list(db.session.scalars(select(Department).order_by(Department.path))),
                   "workgroup": list(db.session.scalars(select(Workgroup).order_by(Workgroup.name)))}
    names = {f"user:{u.id}": u.full_name for u in found["user"]}
    names |= {f"department:{d.id}": f"Department {d.name}" for d in found["department"]}
    names |= {f"workgroup:{w.id}": f"Workgroup {w.name}" for w in found["workgroup"]}
    found["names"] = names | {"everyone:": "Everyone"}
    return found
