"""A small pool of pre-started script worker processes with hard time and memory limits.

Why processes: a sandboxed script runs C code (`sum(range(10**10))`, `'a' * 10**10`) that
neither the trace-function time limit nor anything else in-process can interrupt, and it
holds the GIL meanwhile, so every web page of the same process waits. A worker
(engine.spiff.script_worker) limits its own address space; the parent waits on the pipe
without the GIL, kills a worker that misses its deadline and starts a replacement.

Plain subprocesses with a JSON line protocol, not multiprocessing: Celery's prefork
children are daemonic (multiprocessing may not start children there) and spawn/forkserver
would re-import the app's `__main__`. The pool belongs to the process that made it: a
forked child (Celery prefork) drops the inherited handles and builds its own on first use.

Settings: FLOWDESK_SCRIPT_SECONDS (default 1), FLOWDESK_SCRIPT_MEMORY_MB (256),
FLOWDESK_SCRIPT_WORKERS (2).
"""

from __future__ import annotations

import atexit
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from engine.spiff import wire
from engine.spiff.sandbox import SandboxError

ROOT = Path(__file__).resolve().parents[2]
GRACE = 0.25  # the worker's own trace-function limit usually answers first, with the line
START_SECONDS = 30.0
CPU_EXCEEDED = "the CPU time limit was exceeded"
MAX_REPLY_MB = 32  # what a worker sends back is read into this process: keep it bounded


def memory_mb() -> int:
    """FLOWDESK_SCRIPT_MEMORY_MB: the address-space limit of a script worker."""
    return int(os.environ.get("FLOWDESK_SCRIPT_MEMORY_MB", "256"))


def worker_count() -> int:
    """FLOWDESK_SCRIPT_WORKERS: how many script workers a process keeps."""
    return max(1, int(os.environ.get("FLOWDESK_SCRIPT_WORKERS", "2")))


class WorkerGone(Exception):
    """The worker process ended or answered nonsense; it must be replaced."""


class Worker:
    """One worker process and its pipes."""

    def __init__(self, memory: int) -> None:
        env = {"PYTHONPATH": str(ROOT), "PATH": os.environ.get("PATH", ""), "PYTHONHASHSEED": "random"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "engine.spiff.script_worker", str(memory)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT, env=env,
        )  # fmt: skip
        self.buffer = b""
        self.ready = False
        self.selector: selectors.BaseSelector | None = None  # made on first read, kept for the next

    def _selector(self) -> selectors.BaseSelector:
        """The selector waiting on the worker's stdout (one per worker, not one per job)."""
        if self.selector is None:
            self.selector = selectors.DefaultSelector()
            self.selector.register(self.proc.stdout.fileno(), selectors.EVENT_READ)
        return self.selector

    def read_line(self, deadline: float) -> bytes | None:
        """The next line, or None at the deadline; raise WorkerGone at end of file."""
        fd = self.proc.stdout.fileno()
        chunks, size = [self.buffer], len(self.buffer)
        selector = self._selector()
        while b"\n" not in chunks[-1]:
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(left):
                self.buffer = b"".join(chunks)
                return None
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise WorkerGone(self.describe_exit())
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_REPLY_MB * 1024 * 1024:
                raise WorkerGone(f"the script's variables are larger than {MAX_REPLY_MB} MB")
        line, _, self.buffer = b"".join(chunks).partition(b"\n")
        return line

    def call(self, message: dict[str, Any], timeout: float) -> dict[str, Any] | None:
        """Send a job and return the answer, or None when the deadline passed."""
        if not self.ready:
            hello = self.read_line(time.monotonic() + START_SECONDS)
            if hello is None:
                raise WorkerGone("the script worker did not start")
            self.ready = True
        try:
            self.proc.stdin.write(wire.dumps(message))
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise WorkerGone(self.describe_exit()) from exc
        line = self.read_line(time.monotonic() + timeout + GRACE)
        if line is None:
            return None
        try:
            return wire.loads(line)
        except ValueError as exc:
            raise WorkerGone("the script worker answered nonsense") from exc

    def describe_exit(self) -> str:
        """Why the process ended, in words."""
        try:
            code = self.proc.wait(5)
        except subprocess.TimeoutExpired:
            return "the script's worker process stopped answering"
        if code == -signal.SIGXCPU:
            return CPU_EXCEEDED
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = str(-code)
            return f"the script's worker process stopped (signal {name})"
        return f"the script's worker process stopped (exit code {code})"

    def stop(self) -> None:
        """Kill the process (if still running) and reap it."""
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            pass  # SIGKILL was sent; the zombie is reaped by Popen's own bookkeeping later
        self.forget()

    def forget(self) -> None:
        """Close our ends of the pipes (and the selector on them)."""
        if self.selector is not None:
            self.selector.close()
            self.selector = None
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                pipe.close()
            except OSError:
                pass


class ScriptPool:
    """`size` workers; `call` borrows one, kills and replaces it when it fails or runs late."""

    def __init__(self, size: int, memory: int) -> None:
        self.pid = os.getpid()
        self.memory = memory
        self.size = size
        self.lock = threading.Condition()
        self.idle = [Worker(memory) for _ in range(size)]
        self.missing = 0  # workers that died and could not be restarted yet
        self.closed = False

    def call(self, message: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Run a job under the deadline; raise SandboxError for the limits and crashes."""
        worker = self._borrow()
        replace = True
        try:
            reply = worker.call({**message, "timeout": timeout}, timeout)
            if reply is None:
                raise SandboxError(f"time limit of {timeout:g} s exceeded")
            if "error" in reply:
                replace = bool(reply.get("memory"))
                raise SandboxError(str(reply["error"]), line=reply.get("line"))
            replace = False
            return reply
        except WorkerGone as exc:
            if str(exc) == CPU_EXCEEDED:
                raise SandboxError(f"time limit of {timeout:g} s exceeded") from None
            raise SandboxError(str(exc)) from None
        finally:
            self._give_back(worker, replace)

    def _borrow(self) -> Worker:
        """Wait for an idle worker; start one in place of any that could not be replaced."""
        with self.lock:
            while not self.idle:
                if self.closed:
                    raise SandboxError("the script workers are shut down")
                if self.missing:
                    self.missing -= 1
                    break
                self.lock.wait()
            else:
                return self.idle.pop()
        try:
            return Worker(self.memory)
        except OSError as exc:
            self._give_back(None, False)
            raise SandboxError(f"no script worker could be started: {exc}") from None

    def _give_back(self, worker: Worker | None, replace: bool) -> None:
        """Return a worker, or a fresh one in place of a killed or suspect one (None: still missing)."""
        if worker is not None and replace:
            worker.stop()
            try:
                worker = Worker(self.memory)
            except OSError:
                worker = None
        with self.lock:
            if worker is None:
                self.missing += 1
            else:
                self.idle.append(worker)
            self.lock.notify()

    def close(self) -> None:
        """Stop the idle workers (those in use are stopped when given back)."""
        with self.lock:
            self.closed = True
            workers, self.idle = self.idle, []
        for worker in workers:
            worker.stop()


_POOL: ScriptPool | None = None
_POOL_LOCK = threading.Lock()


def pool() -> ScriptPool:
    """This process's pool, started on first use."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None or _POOL.pid != os.getpid() or _POOL.closed:
            _POOL = ScriptPool(worker_count(), memory_mb())
        return _POOL


def call(message: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Run a job in this process's pool."""
    return pool().call(message, timeout)


def shutdown() -> None:
    """Stop this process's workers (at exit, and in tests)."""
    global _POOL
    with _POOL_LOCK:
        current, _POOL = _POOL, None
    if current is not None and current.pid == os.getpid():
        current.close()


def _after_fork_in_child() -> None:
    """A forked child must not use, nor keep open, its parent's worker pipes."""
    global _POOL, _POOL_LOCK
    current, _POOL, _POOL_LOCK = _POOL, None, threading.Lock()
    if current is not None:
        for worker in current.idle:
            worker.forget()


atexit.register(shutdown)
os.register_at_fork(after_in_child=_after_fork_in_child)
