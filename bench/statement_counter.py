"""A plug-in for benchmarks (FLOWDESK_EXTRA_MODULES=bench.statement_counter): counts the SQL
statements of this process (and of forked children) into FLOWDESK_BENCH_STATEMENTS/<pid>;
with FLOWDESK_BENCH_SHAPES=1 also by shape (the first 100 characters) into <pid>.shapes."""
from __future__ import annotations

import collections
import json
import os
import re
import threading
import time
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine

_count = 0
_shapes: collections.Counter = collections.Counter()
_lock = threading.Lock()
FOLDER = Path(os.environ.get("FLOWDESK_BENCH_STATEMENTS", "/tmp/flowdesk-statements"))
SHAPES = os.environ.get("FLOWDESK_BENCH_SHAPES") == "1"


@event.listens_for(Engine, "before_cursor_execute")
def _counted(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
    global _count
    with _lock:
        _count += 1
        if SHAPES:
            _shapes[re.sub(r"sa_savepoint_\d+", "sa_savepoint_N", re.sub(r"\s+", " ", statement))[:100]] += 1


def _flush_forever() -> None:
    FOLDER.mkdir(parents=True, exist_ok=True)
    target = FOLDER / str(os.getpid())
    while True:
        target.write_text(str(_count))
        if SHAPES:
            with _lock:
                text = json.dumps(dict(_shapes))
            target.with_suffix(".shapes").write_text(text)
        time.sleep(0.25)


def _start() -> None:
    global _count
    _count = 0
    _shapes.clear()
    threading.Thread(target=_flush_forever, name="statement-counter", daemon=True).start()


_start()
os.register_at_fork(after_in_child=_start)  # Celery's prefork children count on their own


def total(folder: Path = FOLDER) -> int:
    """Statements counted by every process so far."""
    return sum(int(p.read_text() or 0) for p in folder.glob("*") if p.is_file() and p.name.isdigit())


def shapes(folder: Path = FOLDER) -> collections.Counter:
    """Statements by shape, every process so far (FLOWDESK_BENCH_SHAPES=1)."""
    counts: collections.Counter = collections.Counter()
    for path in folder.glob("*.shapes"):
        counts.update(json.loads(path.read_text() or "{}"))
    return counts
