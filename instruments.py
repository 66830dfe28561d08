"""Process-local Prometheus instruments (prometheus-client), fed by logs.py and web/request_log.py.

With PROMETHEUS_MULTIPROC_DIR set (gunicorn with several workers, Celery prefork), every
process writes its samples there and /metrics adds them up (ops/metrics.py).
"""
from __future__ import annotations

from prometheus_client import Histogram

HTTP_LATENCY = Histogram(
    "flowdesk_http_request_duration_seconds", "HTTP request latency per endpoint group",
    ["group", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
JOB_DURATION = Histogram(
    "flowdesk_job_duration_seconds",
    "Background job duration per task (engine.run_instance is one engine step)",
    ["task", "state"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))


def endpoint_group(endpoint: str | None, path: str) -> str:
    """A low-cardinality name for a request: the blueprint, or the first path segment."""
    if endpoint and "." in endpoint:
        return endpoint.split(".", 1)[0]
    first = path.strip("/").split("/", 1)[0]
    return first if first in ("dav", "static", "healthz", "readyz", "metrics") else "other"
