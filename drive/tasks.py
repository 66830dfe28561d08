"""Celery tasks of the drive: removing bodies that no version names any more (beat, hourly)."""
from __future__ import annotations

from celery import shared_task

from drive.services.trash import collect_garbage as collect


@shared_task(name="drive.collect_garbage", ignore_result=True)
def collect_garbage() -> int:
    """Delete unreferenced bodies older than the grace time; idempotent, reads only."""
    return collect()
