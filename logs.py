"""Logging for every process: INFO by default, one line per request and per background job,
each carrying the correlation id (correlation.py); JSON lines when FLOWDESK_LOG_FORMAT=json."""
from __future__ import annotations

import json
import logging
import os
import time
from datetime import UTC, datetime

import correlation
import instruments

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s"
_installed = False


class CorrelationFilter(logging.Filter):
    """Puts the current correlation id on every record ("-" outside any request or job)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "correlation_id"):
            record.correlation_id = correlation.current() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, correlation id, extras."""

    EXTRAS = ("method", "path", "status", "duration_ms", "user_id", "task", "task_id", "state")

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
            "correlation_id": getattr(record, "correlation_id", None),
        }
        entry.update({key: getattr(record, key) for key in self.EXTRAS if hasattr(record, key)})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure(level: str | None = None) -> None:
    """Set up the root logger once per process (web, worker, beat, CLI)."""
    global _installed
    if _installed:
        return
    _installed = True
    handler = logging.StreamHandler()
    handler.addFilter(CorrelationFilter())
    if os.environ.get("FLOWDESK_LOG_FORMAT", "text").lower() == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel((level or os.environ.get("FLOWDESK_LOG_LEVEL", "INFO")).upper())
    # werkzeug's own access line would say the same as ours, without the correlation id
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("radicale").setLevel(logging.WARNING)  # its start-up settings, at every app
    # Celery's own INFO lines per task, "received" (worker parent) and "succeeded in" (the task's
    # process), say what the job line (_job_finished) says; its retry and failure lines stay
    logging.getLogger("celery.worker.strategy").setLevel(logging.WARNING)
    logging.getLogger("celery.app.trace").addFilter(_not_task_success)
    # beat's "Sending due task" line for each periodic job (the timers' every 2 s): routine, like
    # those jobs' own lines when they succeed (job_done); FLOWDESK_LOG_LEVEL=DEBUG shows both
    if root.level > logging.DEBUG:
        logging.getLogger("celery.beat").addFilter(_not_due_task_sent)  # "beat: Starting..." stays
    # SpiffWorkflow logs every task state change at INFO (about 10 lines per instance, 0.3 ms of
    # CPU); the instance log in the database says what happened. FLOWDESK_SPIFF_LOG_LEVEL=INFO shows them.
    spiff_level = os.environ.get("FLOWDESK_SPIFF_LOG_LEVEL", "WARNING").upper()
    # on its own loggers too: SpiffWorkflow reads `logger.level` (not the effective level) to
    # decide whether a line's extras list every task of the workflow, which it builds even
    # for a line that is not logged (about a tenth of building a new workflow)
    for name in ("spiff", "spiff.workflow", "spiff.task"):
        logging.getLogger(name).setLevel(spiff_level)


def _not_due_task_sent(record: logging.LogRecord) -> bool:
    return not str(record.msg).startswith("Scheduler: Sending due task")


def _not_task_success(record: logging.LogRecord) -> bool:
    from celery.app.trace import LOG_SUCCESS

    return record.msg is not LOG_SUCCESS


def install_celery_signals() -> None:
    """Correlation ids cross Celery as a message header; one log line per job."""
    from celery import signals

    signals.before_task_publish.connect(_add_header, weak=False, dispatch_uid="flowdesk-correlation")
    signals.task_prerun.connect(_job_started, weak=False, dispatch_uid="flowdesk-job-started")
    signals.task_postrun.connect(_job_finished, weak=False, dispatch_uid="flowdesk-job-finished")
    signals.setup_logging.connect(_celery_setup_logging, weak=False, dispatch_uid="flowdesk-logging")


def _celery_setup_logging(**_kwargs: object) -> None:
    configure()  # connecting this signal stops Celery from replacing our handlers


def _add_header(headers: dict | None = None, **_kwargs: object) -> None:
    value = correlation.current()
    if headers is not None and value and HEADER not in headers:
        headers[HEADER] = value


_job_log = logging.getLogger("flowdesk.job")
# Not "correlation_id": Celery already uses that message property for the task id.
HEADER = "flowdesk_correlation"
_STARTED = "_flowdesk_started"
BEAT_HEADER = "celery_beat_task"  # set by celery.beat.Scheduler.apply_async


def _job_started(task_id: str = "", task: object = None, **_kwargs: object) -> None:
    request = getattr(task, "request", None)
    value = None
    if request is not None:  # custom headers land on the request (protocol 2) or in .headers
        value = getattr(request, HEADER, None) or (request.headers or {}).get(HEADER)
    token = correlation.set_current(correlation.accept(value))
    if request is not None:
        setattr(request, _STARTED, (time.perf_counter(), token))


def job_done(name: str | None, task_id: str, state: str | None, duration_ms: float, *,
             periodic: bool = False) -> None:
    """One log line and one duration sample per job (also for a task a worker ran inline); a
    periodic job's success is logged at DEBUG: beat sends the timers' check every 2 s, and a
    console scrolling with those would hide the lines that say something."""
    instruments.JOB_DURATION.labels(name or "?", state or "?").observe(duration_ms / 1000)
    level = logging.DEBUG if periodic and state == "SUCCESS" else logging.INFO
    _job_log.log(level, "job %s %s %s %.1f ms", name or "?", task_id, state, duration_ms,
                 extra={"task": name, "task_id": task_id, "state": state,
                        "duration_ms": round(duration_ms, 1)})


def _from_beat(request: object) -> bool:
    """Whether beat sent this job (its `celery_beat_task` header: on the request in protocol 2)."""
    headers = getattr(request, "headers", None) or {}
    return bool(getattr(request, BEAT_HEADER, None) or headers.get(BEAT_HEADER))


def _job_finished(task_id: str = "", task: object = None, state: str | None = None,
                  **_kwargs: object) -> None:
    request = getattr(task, "request", None)
    started, token = getattr(request, _STARTED, (None, None))
    if started is not None:
        job_done(getattr(task, "name", None), task_id, state, (time.perf_counter() - started) * 1000,
                 periodic=_from_beat(request))
    if token is not None:
        try:
            correlation.reset(token)
        except ValueError:  # reset from another context (a thread pool): just clear
            correlation.set_current(None)
