"""The embedded broker's transport: kombu's SQLAlchemy transport with one statement per message.

kombu's own transport (`sqla+`) works through an ORM session: every publish looks the queue up
and inserts (2 statements), every fetch looks the queue up, takes SQLite's write lock, selects
and updates the row (4), and every empty poll costs 3; with the ORM around each, about 3 ms of
CPU per task in a profile of `python app.py` (issue 19). On SQLite this channel keeps the queue ids and
publishes with one INSERT and fetches with one `UPDATE ... RETURNING` (atomic on its own, so no
explicit lock): the same tables, rows and order, so a broker file written by either serves the
other. Other databases (`sqla+postgresql://`) keep kombu's code.

`install()` makes `sqla+` URLs use it; extensions.py calls it before any connection is made.
"""
from __future__ import annotations

from json import dumps, loads
from queue import Empty

from kombu.transport import TRANSPORT_ALIASES
from kombu.transport import sqlalchemy as kombu_sqla
from kombu.utils.encoding import bytes_to_str

ALIAS = "sqla"
# The oldest visible message first, as kombu orders them (its timestamp stays NULL until fetched).
_FETCH = ("UPDATE {messages} SET visible = 0, timestamp = CURRENT_TIMESTAMP, version = version + 1 "
          "WHERE id = (SELECT id FROM {messages} WHERE queue_id = ? AND visible = 1 "
          "ORDER BY timestamp, id LIMIT 1) RETURNING payload")
_PUT = "INSERT INTO {messages} (visible, payload, version, queue_id) VALUES (1, ?, 1, ?)"


class Channel(kombu_sqla.Channel):
    """kombu's channel with a lean SQLite path for publishing and fetching."""

    def __init__(self, connection: object, **kwargs: object) -> None:
        super().__init__(connection, **kwargs)
        self._queue_ids: dict[str, int] = {}

    def _sqlite(self) -> bool:
        return self._open()[0].dialect.name == "sqlite"

    def _queue_id(self, queue: str) -> int:
        """The queue's row id, created by kombu's code the first time (queues are never deleted)."""
        if queue not in self._queue_ids:
            self._queue_ids[queue] = self._get_or_create(queue).id
            self.session.commit()  # end the read kombu's lookup began: no lock held between polls
        return self._queue_ids[queue]

    def _statement(self, sql: str, params: tuple) -> object:
        """Run one statement as its own transaction (autocommit) and return its first row."""
        engine = self._open()[0]
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            result = conn.exec_driver_sql(sql.format(messages=self.message_tablename), params)
            return result.first() if result.returns_rows else None

    def _put(self, queue: str, payload: dict, **kwargs: object) -> None:
        if not self._sqlite():
            return super()._put(queue, payload, **kwargs)
        self._statement(_PUT, (dumps(payload), self._queue_id(queue)))
        return None

    def _get(self, queue: str) -> dict:
        if not self._sqlite():
            return super()._get(queue)
        row = self._statement(_FETCH, (self._queue_id(queue),))
        if row is None:
            raise Empty()
        return loads(bytes_to_str(row[0]))


class Transport(kombu_sqla.Transport):
    """kombu's SQLAlchemy transport with the channel above."""

    Channel = Channel


def install() -> None:
    """Make `sqla+...` broker URLs use this transport (before any connection is opened)."""
    TRANSPORT_ALIASES[ALIAS] = f"{__name__}:Transport"
