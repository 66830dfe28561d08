"""Search hits as the API and the pages show them: links, and grouped by record type."""
from __future__ import annotations

from flask import url_for
from werkzeug.routing import BuildError

from crm.entities import REGISTRY
from crm.search.query import SearchResult


def hit_url(entity: str, record_id: int) -> str:
    """The record's page: the generic record page, or the entity's own `pages.<name>_view`."""
    spec = REGISTRY[entity]
    try:
        if spec.record:
            return url_for("pages.record_view", plural=spec.plural, record_id=record_id)
        return url_for(f"pages.{spec.name}_view", **{f"{spec.name}_id": record_id})
    except BuildError:  # pages not registered (an API-only deployment)
        return f"/{spec.plural}/{record_id}"


def result_items(result: SearchResult) -> list[dict]:
    return [{"entity": h.entity, "id": h.id, "title": h.title, "snippet": h.snippet,
             "url": hit_url(h.entity, h.id), "score": round(h.score, 6)} for h in result.hits]


def result_groups(items: list[dict]) -> list[dict]:
    """Hits per record type, the types ordered by their best hit."""
    groups: dict[str, dict] = {}
    for item in items:
        label = REGISTRY[item["entity"]].label_plural
        group = groups.setdefault(item["entity"], {"entity": item["entity"], "label": label, "items": []})
        group["items"].append(item)
    return list(groups.values())
