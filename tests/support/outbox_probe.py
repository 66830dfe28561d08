"""What the test consumer (tests/support/consumers.py) leaves behind, readable from tests.

Importing this module registers nothing: only worker processes load the consumer itself.
"""
from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table

CONSUMER = "test.recorder"
metadata = MetaData()
# Test-only table, created by the tests in the test database (not part of the schema).
consumer_log = Table(
    "test_consumer_log", metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", Integer, nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("pid", Integer, nullable=False),
)
