"""TOTP codes: the accepted window, replays refused, recovery code shapes (org/totp.py)."""
from __future__ import annotations

import pyotp

from org import totp

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NOW = 1_800_000_015.0  # mid-step, so the window is whole steps either side
STEP = int(NOW // 30)


def code(offset_steps: int = 0) -> str:
    return pyotp.TOTP(SECRET).at(NOW + 30 * offset_steps)


def test_the_current_code_matches_its_step():
    assert totp.matching_step(SECRET, code(), last_step=None, now=NOW) == STEP


def test_one_step_either_side_is_accepted_two_are_not():
    assert totp.matching_step(SECRET, code(-1), last_step=None, now=NOW) == STEP - 1
    assert totp.matching_step(SECRET, code(1), last_step=None, now=NOW) == STEP + 1
    assert totp.matching_step(SECRET, code(-2), last_step=None, now=NOW) is None
    assert totp.matching_step(SECRET, code(2), last_step=None, now=NOW) is None


def test_a_used_step_and_older_ones_are_refused():
    assert totp.matching_step(SECRET, code(), last_step=STEP, now=NOW) is None
    assert totp.matching_step(SECRET, code(-1), last_step=STEP - 1, now=NOW) is None
    assert totp.matching_step(SECRET, code(-1), last_step=STEP, now=NOW) is None
    assert totp.matching_step(SECRET, code(1), last_step=STEP, now=NOW) == STEP + 1


def test_malformed_codes_are_refused_and_spaces_ignored():
    good = code()
    assert totp.matching_step(SECRET, f"{good[:3]} {good[3:]}", last_step=None, now=NOW) == STEP
    for bad in ("", "12345", "1234567", "abcdef", None.__class__.__name__):
        assert totp.matching_step(SECRET, bad, last_step=None, now=NOW) is None


def test_recovery_codes_are_ten_distinct_and_normalise():
    codes = totp.new_recovery_codes()
    assert len(codes) == 10 == len(set(codes))
    assert all(totp.looks_like_recovery(c) for c in codes)
    assert totp.normalise_recovery(codes[0].upper().replace("-", " ")) == codes[0].replace("-", "")
    assert not totp.looks_like_recovery("123456")


def test_the_provisioning_uri_and_qr_code():
    uri = totp.provisioning_uri(SECRET, "ada@example.com")
    assert uri.startswith("otpauth://totp/Flowdesk:ada%40example.com?") and f"secret={SECRET}" in uri
    svg = totp.qr_svg(uri)
    assert svg.startswith("<svg") and "<script" not in svg
