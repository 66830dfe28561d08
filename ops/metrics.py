"""/metrics in Prometheus' text format: database-backed gauges read at scrape time, and this
process's (or, with PROMETHEUS_MULTIPROC_DIR, every process's) histograms (instruments.py)."""
from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY

from ops import counts, health

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
DEFAULT_ALLOW = "127.0.0.1/32,::1/128"


def allowed(remote_addr: str | None, authorization: str | None, config: dict) -> bool:
    """A scrape needs the metrics token (Bearer) when one is set, else an allowed address."""
    token = config.get("METRICS_TOKEN") or ""
    if token:
        given = (authorization or "").removeprefix("Bearer ").strip()
        return secrets.compare_digest(given.encode(), token.encode())
    networks = [ipaddress.ip_network(part.strip(), strict=False)
                for part in (config.get("METRICS_ALLOW") or DEFAULT_ALLOW).split(",") if part.strip()]
    try:
        address = ipaddress.ip_address(remote_addr or "")
    except ValueError:
        return False
    return any(address in network for network in networks)


def _gauge(name: str, doc: str, labels: list[str] | None = None) -> GaugeMetricFamily:
    return GaugeMetricFamily(f"flowdesk_{name}", doc, labels=labels)


class DatabaseCollector:
    """Gauges computed from the database when Prometheus scrapes."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from self._instances()
        yield from self._outbox_and_timers()
        yield from self._mail_queue_pool()
        yield from self._heartbeats()

    def _instances(self) -> Iterator[GaugeMetricFamily]:
        instances = _gauge("process_instances", "Process instances by process and status",
                           ["process", "status"])
        incidents = _gauge("process_incidents", "Open incidents by process and kind", ["process", "kind"])
        for key, status, count in counts.instances_by_process():
            instances.add_metric([key, status], count)
        for key, kind, count in counts.open_incidents():
            incidents.add_metric([key, kind], count)
        yield instances
        yield incidents

    def _outbox_and_timers(self) -> Iterator[GaugeMetricFamily]:
        outbox, timers = counts.outbox(), counts.timers()
        for name, doc, value in (
                ("outbox_backlog", "Domain events not yet delivered", outbox["backlog"]),
                ("outbox_lag_seconds", "Age of the oldest undelivered domain event", outbox["lag_seconds"]),
                ("outbox_failing", "Undelivered events that failed at least once", outbox["failing"]),
                ("timers_due", "BPMN timers due and not fired", timers["due"]),
                ("timers_late_seconds", "How late the oldest due timer is", timers["late_seconds"])):
            gauge = _gauge(name, doc)
            gauge.add_metric([], value)
            yield gauge

    def _mail_queue_pool(self) -> Iterator[GaugeMetricFamily]:
        mail, pool = counts.mail(), counts.pool()
        system_mail = _gauge("system_mail", "System mail by state", ["state"])
        for state in ("queued", "held", "failed"):
            system_mail.add_metric([state], mail[state])
        yield system_mail
        for name, doc, value in (
                ("mailboxes_in_error", "Mailboxes whose last poll failed", mail["mailboxes_in_error"]),
                ("mail_poll_lag_seconds", "Longest time since a mailbox polled", mail["poll_lag_seconds"]),
                ("celery_queue_depth", "Messages waiting in the Celery queue", counts.queue_depth()),
                ("db_pool_checked_out", "Database connections in use (this process)", pool["checked_out"]),
                ("db_pool_size", "Database connection pool size (this process)", pool["size"])):
            if value is not None:
                gauge = _gauge(name, doc)
                gauge.add_metric([], value)
                yield gauge

    def _heartbeats(self) -> Iterator[GaugeMetricFamily]:
        gauge = _gauge("heartbeat_age_seconds", "Seconds since the freshest worker/beat heartbeat", ["kind"])
        for kind in ("worker", "beat"):
            age = health.heartbeat_age(kind)
            if age is not None:
                gauge.add_metric([kind], age)
        yield gauge


def render() -> bytes:
    """The exposition text: database gauges plus the process (or multi-process) instruments."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector())
    text = generate_latest(registry)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        shared = CollectorRegistry()
        multiprocess.MultiProcessCollector(shared)
        return text + generate_latest(shared)
    return text + generate_latest(REGISTRY)
