"""The production argon2 parameters (the test run hashes with light ones: see tests/conftest.py)."""
from __future__ import annotations

from argon2 import Type

from tests.conftest import PRODUCTION_HASHER


def test_passwords_use_production_argon2_parameters():
    # OWASP's floor for argon2id: 19 MiB memory, 2 iterations; the library's defaults exceed it
    assert PRODUCTION_HASHER.type is Type.ID
    assert PRODUCTION_HASHER.memory_cost >= 19 * 1024 and PRODUCTION_HASHER.time_cost >= 2
    stored = PRODUCTION_HASHER.hash("correct horse 42")
    assert stored.startswith("$argon2id$") and PRODUCTION_HASHER.verify(stored, "correct horse 42")
