"""Two-factor sign-in: enrol (key + first code), check a code or recovery code, disable,
new recovery codes, and the administrators' obligation to enrol."""
from __future__ import annotations

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from errors import Conflict, Forbidden, Unauthorized, ValidationError
from extensions import db
from org import audit, throttle, totp
from org.models import RecoveryCode, User, utcnow
from org.passwords import hash_random_code, verify_password
from org.settings import require_2fa_for_admins
from secrets_box import SecretBox

_BOX = SecretBox(salt=b"flowdesk-totp-v1", info=b"totp-key", what="two-factor key")
WRONG_CODE = "Wrong or already used code"
NEEDS_ENROLMENT = ("Administrators must use two-factor sign-in here: set it up on your profile page "
                   "before switching admin mode on")


def enrolment_required(user: User) -> bool:
    """An administrator without two-factor sign-in while the portal requires it."""
    return bool(user.is_admin and not user.has_two_factor and require_2fa_for_admins())


def admin_mode_allowed(user: User) -> bool:
    return not enrolment_required(user)


def require_admin_mode_allowed(user: User, on: bool) -> None:
    """403 when an administrator who must enrol first switches admin mode on."""
    if on and enrolment_required(user):
        raise Forbidden(NEEDS_ENROLMENT)


def begin_enrolment(*, actor: User) -> dict:
    """A new key for the actor (pending until a first code confirms it): its URI and QR code."""
    if actor.has_two_factor:
        raise Conflict("Two-factor sign-in is already on; disable it first to change the key")
    secret = totp.new_secret()
    actor.totp_secret = _BOX.encrypt(secret)
    actor.totp_last_step = None
    db.session.flush()
    return enrolment(actor)


def enrolment(actor: User) -> dict:
    """The pending key's otpauth URI, the key itself and its QR code (SVG)."""
    if actor.has_two_factor or not actor.totp_secret:
        raise Conflict("No two-factor set-up is in progress")
    secret = _BOX.decrypt(actor.totp_secret)
    uri = totp.provisioning_uri(secret, actor.email)
    return {"secret": secret, "uri": uri, "qr_svg": totp.qr_svg(uri)}


def confirm_enrolment(code: str, *, actor: User) -> list[str]:
    """Turn two-factor sign-in on with a first code from the app; returns the recovery codes."""
    if actor.has_two_factor or not actor.totp_secret:
        raise Conflict("Start the two-factor set-up first")
    step = totp.matching_step(_BOX.decrypt(actor.totp_secret), str(code or ""), last_step=None)
    if step is None:
        raise ValidationError.from_fields({"code": "Wrong code: enter the 6 digits the app shows now"})
    actor.totp_enabled_at = utcnow()
    actor.totp_last_step = step
    codes = _replace_recovery_codes(actor)
    audit.record("2fa.enable", f"user {actor.id}", {"email": actor.email}, actor=actor)
    return codes


def disable(password: str, code: str, *, actor: User) -> None:
    """Turn two-factor sign-in off: the password and a current code (or a recovery code)."""
    if not actor.has_two_factor:
        raise Conflict("Two-factor sign-in is not on")
    if not verify_password(actor.password_hash, str(password or "")):
        raise ValidationError.from_fields({"password": "Wrong password"})
    _require_code(actor, code, field="code")
    actor.totp_secret = actor.totp_enabled_at = actor.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == actor.id))
    audit.record("2fa.disable", f"user {actor.id}", {"email": actor.email}, actor=actor)


def regenerate_recovery_codes(code: str, *, actor: User) -> list[str]:
    """Ten new recovery codes (the old ones stop working), confirmed with a current code."""
    if not actor.has_two_factor:
        raise Conflict("Two-factor sign-in is not on")
    _require_code(actor, code, field="code")
    codes = _replace_recovery_codes(actor)
    audit.record("2fa.recovery_codes", f"user {actor.id}", {"email": actor.email}, actor=actor)
    return codes


def _require_code(actor: User, code: str, *, field: str) -> None:
    """A current code for a change on the profile, throttled like a login (a session is not enough)."""
    keys = throttle.keys_for(actor.email, None)
    throttle.check_allowed(keys)
    if not _use_code(actor, str(code or "")):
        locked = throttle.record_failure(keys)
        if locked:
            raise throttle.TooManyAttempts(locked)
        raise ValidationError.from_fields({field: WRONG_CODE})


def verify_second_factor(user: User, code: str, *, address: str | None) -> None:
    """The login's second step: a TOTP or recovery code, throttled like the password."""
    keys = throttle.keys_for(user.email, address)
    throttle.check_allowed(keys)
    if not user.has_two_factor or not _use_code(user, str(code or "")):
        locked = throttle.record_failure(keys)
        if locked:
            raise throttle.TooManyAttempts(locked)
        raise Unauthorized(WRONG_CODE, {"otp": WRONG_CODE})
    throttle.record_success(user.email)


def _use_code(user: User, code: str) -> bool:
    """Accept a code once: a TOTP code moves the last step on, a recovery code is spent."""
    if totp.looks_like_recovery(code):
        return _spend_recovery_code(user, code)
    step = totp.matching_step(_BOX.decrypt(user.totp_secret), code, last_step=user.totp_last_step)
    if step is None:
        return False
    # A conditional UPDATE: of two logins with the same code at once, only one moves the step on.
    moved = db.session.execute(update(User).where(
        User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step)).values(
        totp_last_step=step).execution_options(synchronize_session=False)).rowcount
    set_committed_value(user, "totp_last_step", step)
    return moved == 1


def _spend_recovery_code(user: User, code: str) -> bool:
    plain = totp.normalise_recovery(code)
    rows = list(db.session.scalars(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))))
    for row in rows:
        if verify_password(row.code_hash, plain):
            spent = db.session.execute(update(RecoveryCode).where(
                RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None)).values(
                used_at=utcnow()).execution_options(synchronize_session=False)).rowcount
            return spent == 1
    return False


def _replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = totp.new_recovery_codes()
    for code in codes:
        hashed = hash_random_code(totp.normalise_recovery(code))
        db.session.add(RecoveryCode(user_id=user.id, code_hash=hashed))
    db.session.flush()
    return codes


def recovery_codes_left(user: User) -> int:
    return len(list(db.session.scalars(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))))
