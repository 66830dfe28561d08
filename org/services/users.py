"""Users: the first administrator, creation, authentication, lookups."""
from __future__ import annotations

import logging
import re

from sqlalchemy import func, select, update

from errors import Conflict, NotFound, Unauthorized, ValidationError
from extensions import db
from org import admin as admin_rules
from org import audit, throttle
from org.models import ApiToken, Department, DepartmentMember, User, utcnow, valid_id
from org.passwords import MIN_LENGTH, dummy_hash, hash_password, password_problem, verify_password
from org.rows import get_or_create
from org.signals import user_departments_changed
from org.states import UserState
from org.zones import zone_name, zone_problem

TAKEN = "A user with this email already exists"
log = logging.getLogger("flowdesk.org.users")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SYSTEM_EMAIL = "system@flowdesk.invalid"
MIN_PASSWORD = MIN_LENGTH


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def require_admin(actor: User | None) -> None:
    """Operators on the CLI pass actor=None; everyone else must be an administrator in admin mode."""
    admin_rules.require_admin(actor)


def other_active_admin_exists(user_id: int) -> bool:
    """Whether an active administrator other than `user_id` remains."""
    return db.session.scalar(
        select(User.id).where(User.is_admin.is_(True), User.active.is_(True), User.is_system.is_(False),
                              User.id != user_id).limit(1)) is not None


def _check_user_fields(email: str, password: str | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not EMAIL_RE.match(email):
        errors["email"] = "Enter a valid email address"
    elif db.session.scalar(select(User.id).where(User.email == email)):
        errors["email"] = TAKEN
    problem = password_problem(password, email) if password is not None else None
    if problem:
        errors["password"] = problem
    return errors


def has_users() -> bool:
    return bool(db.session.scalar(select(func.count(User.id)).where(User.is_system.is_(False))))


def create_first_admin(email: str, password: str, first_name: str = "", last_name: str = "") -> User:
    """The first account registered becomes the portal administrator."""
    if has_users():
        raise Conflict("The first account already exists; log in instead")
    user = _new_user(email, password, first_name, last_name, is_admin=True)
    db.session.flush()
    audit.record("user.create", f"user {user.id}", {"email": user.email, "is_admin": True, "first": True},
                 actor=user)
    return user


def create_user(
    email: str,
    password: str | None,
    *,
    actor: User | None,
    first_name: str = "",
    last_name: str = "",
    position: str = "",
    is_admin: bool = False,
    department_id: int | None = None,
    department_ids: list[int] | None = None,
) -> User:
    """Create an account; `department_id(s)` make it a member (the first is primary)."""
    require_admin(actor)
    user = _new_user(email, password, first_name, last_name, is_admin=is_admin,
                     position=(position or "").strip())
    ids = list(department_ids or []) or ([department_id] if department_id is not None else [])
    if ids:
        set_user_departments(user, ids)
    db.session.flush()
    audit.record("user.create", f"user {user.id}", {"email": user.email, "is_admin": bool(is_admin),
                                                    "department_ids": ids}, actor=actor)
    return user


def _new_user(email: str, password: str | None, first: str, last: str, **extra: object) -> User:
    email = normalise_email(email)
    errors = _check_user_fields(email, password)
    if errors:
        raise ValidationError.from_fields(errors)
    user = User(
        email=email,
        first_name=(first or "").strip(),
        last_name=(last or "").strip(),
        password_hash=hash_password(password) if password else None,
        **extra,
    )
    db.session.add(user)
    db.session.flush()
    return user


def update_user(user_id: int, data: dict, *, actor: User) -> User:
    """Change name, position, e-mail, password, admin flag or departments.

    Administrators change anything; people may change their own names and position.
    """
    user = get_user(user_id)
    own_fields = {"first_name", "last_name", "position", "time_zone"}
    if actor.id != user.id or set(data) - own_fields:
        require_admin(actor)
    errors = _check_update(user, data)
    if errors.get("email") == TAKEN and len(errors) == 1:  # only a clash left: a conflict, not bad input
        raise Conflict(f"{normalise_email(data['email'])} belongs to another user", {"email": TAKEN})
    if errors:
        raise ValidationError.from_fields(errors)
    before = {k: getattr(user, k) for k in ("email", "first_name", "last_name", "position")}
    before["department_ids"] = [m.department_id for m in user.memberships]
    for field in own_fields & set(data) - {"time_zone"}:
        setattr(user, field, str(data[field] or "").strip())
    if "time_zone" in data:
        user.time_zone = zone_name(data["time_zone"])
    if "email" in data:
        user.email = normalise_email(data["email"])
    if "password" in data:
        user.password_hash = hash_password(data["password"])
        user.session_version += 1  # sessions opened with the old password end
        if user.id != actor.id:  # and someone else's API tokens (an administrator keeps the one calling)
            db.session.execute(update(ApiToken).where(
                ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).values(revoked_at=utcnow()))
    if "is_admin" in data:
        set_admin_flag(user, bool(data["is_admin"]))
    if "department_ids" in data:
        set_user_departments(user, list(data["department_ids"] or []))
    db.session.flush()
    _log_changes(user, before, actor)
    shown = {k: ("changed" if k == "password" else v) for k, v in data.items()}
    audit.record("user.update", f"user {user.id}", {"email": user.email, "given": shown}, actor=actor)
    return user


def _log_changes(user: User, before: dict, actor: User | None) -> None:
    after = {k: getattr(user, k) for k in ("email", "first_name", "last_name", "position")}
    after["department_ids"] = [m.department_id for m in user.memberships]
    changes = {k: [v, after[k]] for k, v in before.items() if after[k] != v}
    if changes:
        log.info("User %s changed by %s: %s", user.id, getattr(actor, "id", "an operator"), changes)


def set_admin_flag(user: User, flag: bool) -> None:
    """Grant or revoke administrator rights (the caller checked the last-administrator rule).

    Revoking also switches admin mode off on the user's API tokens; a real change is audited."""
    if bool(user.is_admin) != flag:
        audit.record("admin.grant" if flag else "admin.revoke", f"user {user.id}", {"email": user.email})
    user.is_admin = flag
    if not flag:
        db.session.execute(update(ApiToken).where(ApiToken.user_id == user.id).values(admin_mode=False))


def _check_update(user: User, data: dict) -> dict[str, str]:
    """Field errors of an update, found before anything is written."""
    errors: dict[str, str] = {}
    email = normalise_email(data["email"]) if "email" in data else user.email
    if email != user.email:
        errors.update(_check_user_fields(email, None))
    problem = password_problem(data["password"], email) if "password" in data else None
    if problem:
        errors["password"] = problem
    if "time_zone" in data and zone_problem(data["time_zone"]):
        errors["time_zone"] = zone_problem(data["time_zone"])
    if (user.is_admin and "is_admin" in data and not data["is_admin"]
            and not other_active_admin_exists(user.id)):
        errors["is_admin"] = "The last administrator cannot lose administrator rights"
    return errors


def set_user_departments(user: User, department_ids: list[int]) -> None:
    """Replace memberships (the first is primary) inside the caller's transaction."""
    departments: list[Department] = []
    for dep_id in department_ids:
        dep = db.session.get(Department, int(dep_id)) if valid_id(dep_id) else None
        if dep is None:
            raise ValidationError.from_fields({"department_ids": f"No department {dep_id}"})
        if dep not in departments:
            departments.append(dep)
    user.memberships.clear()
    db.session.flush()
    for i, dep in enumerate(departments):
        user.memberships.append(DepartmentMember(department=dep, is_primary=(i == 0)))
    db.session.flush()
    user_departments_changed.send(user, user_id=user.id)


def authenticate(email: str, password: str, *, address: str | None = None) -> User:
    """The user with this e-mail and password; throttled per account and per `address`.

    An unknown e-mail costs the same password check as a known one, so the time taken never
    tells whether an account exists."""
    email = normalise_email(email)
    keys = throttle.keys_for(email, address)
    throttle.check_allowed(keys)
    user = db.session.scalar(select(User).where(User.email == email))
    stored = user.password_hash if user is not None and user.password_hash else None
    matches = verify_password(stored or dummy_hash(), password) and stored is not None
    if not matches or not user.is_active:
        locked = throttle.record_failure(keys)
        if locked:
            raise throttle.TooManyAttempts(locked)
        raise Unauthorized("Wrong email or password")
    if not user.has_two_factor:  # else the count clears only once the second step succeeds too
        throttle.record_success(email)
    return user


def end_sessions(user: User) -> None:
    """Log the user out on the server: every session and remember-me cookie of theirs stops working."""
    user.session_version += 1


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.is_system:
        raise NotFound(f"No user {user_id}")
    return user


def find_user(ref: int | str) -> User | None:
    """A user by id or email (used by CLI options and BPMN assignees)."""
    if isinstance(ref, int) or str(ref).isdigit():
        user = db.session.get(User, int(ref)) if valid_id(ref) else None
    else:
        user = db.session.scalar(select(User).where(User.email == normalise_email(str(ref))))
    return None if user is None or user.is_system else user


USER_STATES = tuple(UserState)


def list_users(*, active: bool | None = True, state: str | None = None, q: str = "",
               department_path: str | None = None) -> list[User]:
    """People by `active` flag or `state` (active, pending, dismissed); `q` searches names, e-mail,
    position; `department_path` keeps members of that department and its sub-departments."""
    query = select(User).where(User.is_system.is_(False)).order_by(User.last_name, User.first_name, User.id)
    if state is not None:
        if state not in USER_STATES:
            raise ValidationError.from_fields({"state": f"One of {', '.join(USER_STATES)}"})
        query = query.where(User.active.is_(state == UserState.ACTIVE))
        if state != UserState.ACTIVE:
            query = query.where(User.pending.is_(state == UserState.PENDING))
    elif active is not None:
        query = query.where(User.active.is_(active))
    for word in (q or "").lower().split()[:5]:
        like = f"%{word.replace('%', '').replace('_', '')}%"
        query = query.where(func.lower(User.first_name).like(like) | func.lower(User.last_name).like(like)
                            | func.lower(User.email).like(like) | func.lower(User.position).like(like))
    if department_path:
        members = select(DepartmentMember.user_id).join(Department).where(
            Department.path.startswith(department_path))
        query = query.where(User.id.in_(members))
    return list(db.session.scalars(query))


def system_user() -> User:
    """The identity processes act with (created on first use; several workers may race to it)."""
    user, _created = get_or_create(User, email=SYSTEM_EMAIL, defaults={
        "first_name": "Flowdesk", "last_name": "Process", "is_system": True, "is_admin": True})
    return user
