"""The embedded broker's transport: one statement per publish and per fetch, kombu's tables and order."""
from __future__ import annotations

from kombu import Connection
from kombu.transport import sqlalchemy as kombu_sqla
from sqlalchemy import event
from sqlalchemy.engine import Engine

from embedded_broker import Transport, install


def _statements(fn) -> list[str]:
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    return seen


def test_sqla_urls_use_the_lean_transport_in_fifo_order(tmp_path) -> None:
    install()
    with Connection(f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}") as conn:
        assert isinstance(conn.transport, Transport)
        queue = conn.SimpleQueue("kicks")
        queue.put({"n": 0})  # the first use creates the tables and the queue row
        published = _statements(lambda: [queue.put({"n": n}) for n in (1, 2)])
        assert len(published) == 2  # one INSERT each, no queue lookup
        got: list[int] = []

        def fetch() -> None:
            for _ in range(3):
                message = queue.get(timeout=1)
                got.append(message.payload["n"])
                message.ack()

        fetched = _statements(fetch)
        assert got == [0, 1, 2]
        assert len(fetched) == 3  # one UPDATE ... RETURNING each
        queue.close()


def test_messages_left_by_kombus_own_transport_are_fetched(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'broker.sqlite'}"
    with Connection(url, transport=kombu_sqla.Transport) as old:  # kombu's own code
        assert not isinstance(old.transport, Transport)
        old.SimpleQueue("kicks").put({"n": "old"})
    install()
    with Connection(f"sqla+{url}") as conn:
        queue = conn.SimpleQueue("kicks")
        message = queue.get(timeout=1)
        assert message.payload == {"n": "old"}
        message.ack()
        queue.close()
