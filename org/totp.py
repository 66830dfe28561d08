"""TOTP codes (RFC 6238, pyotp) and recovery codes: the pure parts of two-factor sign-in."""
from __future__ import annotations

import hmac
import io
import secrets
import time

import pyotp
import segno

ISSUER = "Flowdesk"
STEP_SECONDS = 30
# One step either side: a phone clock 30 s off, or a code typed as it changes, still works.
WINDOW = 1
RECOVERY_COUNT = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: codes are read off paper


def new_secret() -> str:
    """A fresh base32 key (160 bits, as RFC 4226 recommends)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, email: str) -> str:
    """The otpauth:// URI authenticator apps read (from the QR code or typed in)."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The URI as an inline SVG QR code, rendered on the server (no script needed)."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=4, xmldecl=False, svgns=True,
                                    title="Two-factor QR code")
    return out.getvalue().decode()


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP_SECONDS)


def code_at(secret: str, step: int) -> str:
    """The 6-digit code of one time step."""
    return pyotp.TOTP(secret).generate_otp(step)


def matching_step(secret: str, code: str, *, last_step: int | None, now: float | None = None) -> int | None:
    """The time step `code` belongs to, within the window and after `last_step`; None if none.

    A code accepted once is refused afterwards (and so is any older one): the caller stores
    the step returned as the user's last."""
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return None
    now_step = current_step(now)
    for step in range(now_step - WINDOW, now_step + WINDOW + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(code_at(secret, step), code):
            return step
    return None


def new_recovery_codes() -> list[str]:
    """Ten codes like "k7rmq-4xw2h" (50 bits each), shown once."""
    def one() -> str:
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        return f"{raw[:5]}-{raw[5:]}"

    return [one() for _ in range(RECOVERY_COUNT)]


def normalise_recovery(code: str) -> str:
    """What is hashed and compared: lower case, without spaces and dashes."""
    return "".join(ch for ch in code.lower() if ch.isalnum())


def looks_like_recovery(code: str) -> bool:
    return len(normalise_recovery(code)) == 10 and not code.strip().isdigit()
