"""Helpers for the two-factor tests: log in, enrol through the profile pages, fresh codes."""
from __future__ import annotations

import re
import time

import pyotp
from sqlalchemy import update

from extensions import db
from org.models import User

PASSWORD = "Quiet-bay-42"


def login(client, email: str, password: str = PASSWORD, **extra: str):
    return client.post("/login", data={"email": email, "password": password, **extra})


def enrol(client, user) -> tuple[str, list[str]]:
    """Set two-factor sign-in up through the profile pages (logged in as `user`): (key, recovery codes)."""
    assert client.post("/profile/two-factor/start").status_code == 302
    page = client.get("/profile/two-factor").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    assert "<svg" in page and f"secret={secret}" in page  # the QR code and the otpauth URI
    done = client.post("/profile/two-factor/confirm", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200, done.get_data(as_text=True)
    codes = re.findall(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>", done.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def next_code(secret: str) -> str:
    """A code of the next time step: the current one may have been used (and is refused again)."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def forget_last_step(user_id: int) -> None:
    """Let the current step's codes work again (a later test step, not a replay)."""
    db.session.execute(update(User).where(User.id == user_id).values(totp_last_step=None))
    db.session.commit()
