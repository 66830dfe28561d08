"""`flask --app app search rebuild`: (re)index every record, e.g. after a restore."""
from __future__ import annotations

import time

import click

from crm.entities import REGISTRY


@click.group("search", help="Manage the global search index.")
def search_cli() -> None:
    pass


@search_cli.command("rebuild")
@click.option("--entity", "entities", multiple=True,
              type=click.Choice(list(REGISTRY)),
              help="Only these record types (repeatable); default: all.")
def rebuild_cmd(entities: tuple[str, ...]) -> None:
    """Re-read every record into the index and drop rows of records that no longer exist."""
    from crm.search.index import rebuild

    started = time.monotonic()
    shown: dict[str, float] = {}

    def progress(entity: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done >= total or now - shown.get(entity, 0.0) >= 1.0:
            shown[entity] = now
            pct = 100 * done // total if total else 100
            click.echo(f"  {entity}: {done}/{total} ({pct}%)")

    counts = rebuild(progress, entities or tuple(REGISTRY))
    summary = ", ".join(f"{n} {e}" for e, n in counts.items())
    click.echo(f"Search index rebuilt: {summary} in {time.monotonic() - started:.1f} s")
