"""A plug-in for benchmarks (FLOWDESK_EXTRA_MODULES=bench.statement_counter): counts the SQL
statements of this process (and of forked children) into FLOWDESK_BENCH_STATEMENTS/<pid>."""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine

_count = 0
_lock = threading.Lock()
FOLDER = Path(os.environ.get("FLOWDESK_BENCH_STATEMENTS", "/tmp/flowdesk-statements"))


@event.listens_for(Engine, "before_cursor_execute")
def _counted(*_args: object) -> None:
    global _count
    with _lock:
        _count += 1


def _flush_forever() -> None:
    FOLDER.mkdir(parents=True, exist_ok=True)
    target = FOLDER / str(os.getpid())
    while True:
        target.write_text(str(_count))
        time.sleep(0.25)


def _start() -> None:
    global _count
    _count = 0
    threading.Thread(target=_flush_forever, name="statement-counter", daemon=True).start()


_start()
os.register_at_fork(after_in_child=_start)  # Celery's prefork children count on their own


def total(folder: Path = FOLDER) -> int:
    """Statements counted by every process so far."""
    return sum(int(p.read_text() or 0) for p in folder.glob("*") if p.is_file())
