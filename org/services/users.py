"""Users: the first administrator, creation, authentication, lookups."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationError
from extensions import db
from org.models import Department, DepartmentMember, User, valid_id
from org.passwords import hash_password, verify_password
from org.signals import user_departments_changed

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SYSTEM_EMAIL = "system@flowdesk.invalid"
MIN_PASSWORD = 8


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def require_admin(actor: User | None) -> None:
    """Operators on the CLI pass actor=None; everyone else must be an administrator."""
    if actor is not None and not getattr(actor, "is_admin", False):
        raise Forbidden("Administrator rights are required")


def _check_user_fields(email: str, password: str | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not EMAIL_RE.match(email):
        errors["email"] = "Enter a valid email address"
    elif db.session.scalar(select(User.id).where(User.email == email)):
        errors["email"] = "A user with this email already exists"
    if password is not None and len(password) < MIN_PASSWORD:
        errors["password"] = f"Use at least {MIN_PASSWORD} characters"
    return errors


def has_users() -> bool:
    return bool(db.session.scalar(select(func.count(User.id)).where(User.is_system.is_(False))))


def create_first_admin(email: str, password: str, first_name: str = "", last_name: str = "") -> User:
    """The first account registered becomes the portal administrator."""
    if has_users():
        raise Conflict("The first account already exists; log in instead")
    user = _new_user(email, password, first_name, last_name, is_admin=True)
    db.session.commit()
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
    db.session.commit()
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
    own_fields = {"first_name", "last_name", "position"}
    if actor.id != user.id or set(data) - own_fields:
        require_admin(actor)
    errors = _check_update(user, data)
    if errors:
        db.session.rollback()
        raise ValidationError.from_fields(errors)
    for field in own_fields & set(data):
        setattr(user, field, str(data[field] or "").strip())
    if "email" in data:
        user.email = normalise_email(data["email"])
    if "password" in data:
        user.password_hash = hash_password(data["password"])
        user.session_version += 1  # sessions opened with the old password end
    if "is_admin" in data:
        user.is_admin = bool(data["is_admin"])
    if "department_ids" in data:
        set_user_departments(user, list(data["department_ids"] or []))
    db.session.commit()
    return user


def _check_update(user: User, data: dict) -> dict[str, str]:
    """Field errors of an update, found before anything is written."""
    errors: dict[str, str] = {}
    email = normalise_email(data["email"]) if "email" in data else user.email
    if email != user.email:
        errors.update(_check_user_fields(email, None))
    if "password" in data and len(data["password"] or "") < MIN_PASSWORD:
        errors["password"] = f"Use at least {MIN_PASSWORD} characters"
    if user.is_admin and "is_admin" in data and not data["is_admin"] and not db.session.scalar(
            select(User.id).where(User.is_admin.is_(True), User.active.is_(True),
                                  User.is_system.is_(False), User.id != user.id).limit(1)):
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


def authenticate(email: str, password: str) -> User:
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or not user.is_active or not verify_password(user.password_hash, password):
        raise Unauthorized("Wrong email or password")
    return user


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


def list_users(*, active: bool | None = True) -> list[User]:
    query = select(User).where(User.is_system.is_(False)).order_by(User.last_name, User.id)
    if active is not None:
        query = query.where(User.active.is_(active))
    return list(db.session.scalars(query))


def system_user() -> User:
    """The identity processes act with (created on first use)."""
    user = db.session.scalar(select(User).where(User.email == SYSTEM_EMAIL))
    if user is None:
        user = User(email=SYSTEM_EMAIL, first_name="Flowdesk", last_name="Process", is_system=True,
                    is_admin=True)
        db.session.add(user)
        db.session.flush()
    return user
