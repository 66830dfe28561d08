"""Search hits as the API and the pages show them: links, and grouped by record type (drive files too)."""
from __future__ import annotations

from flask import url_for
from werkzeug.routing import BuildError

from crm.entities import REGISTRY
from crm.search.query import SearchResult
from drive.services.search import DriveSearch

FILE_LABEL = "Files"


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


def file_items(found: DriveSearch) -> list[dict]:
    """Drive hits (files and folders the user may read) in the same shape, entity "file"."""
    out = []
    for h in found.hits:
        try:
            url = url_for("pages.drive_item", item_id=h.item.id)
        except BuildError:
            url = f"/drive/items/{h.item.id}"
        out.append({"entity": "file", "id": h.item.id, "title": h.item.name, "snippet": h.snippet,
                    "url": url, "score": round(h.score, 6)})
    return out


def merged(records: list[dict], files: list[dict], limit: int) -> list[dict]:
    """Records and files by score (the same bm25 / ts_rank weighting on both sides), best `limit`."""
    return sorted(records + files, key=lambda item: -item["score"])[:limit]


def result_groups(items: list[dict]) -> list[dict]:
    """Hits per record type, the types ordered by their best hit."""
    groups: dict[str, dict] = {}
    for item in items:
        entity = item["entity"]
        label = FILE_LABEL if entity == "file" else REGISTRY[entity].label_plural
        group = groups.setdefault(item["entity"], {"entity": item["entity"], "label": label, "items": []})
        group["items"].append(item)
    return list(groups.values())
