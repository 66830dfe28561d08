"""Read-only look-ups pages need for display: status names, people, record titles, counts."""
from __future__ import annotations

from flask import g, has_request_context
from flask_login import current_user

from crm import queries
from crm.entities import record_title
from crm.models import StatusValue
from crm.services.pipelines import default_pipeline, get_pipeline, list_pipelines, stages_of
from crm.states import Semantic
from errors import NotFound
from org.actors import Actor
from org.models import User
from org.queries import users_by_ids

# Badge colours for open statuses, by position in the list; closed ones by meaning.
OPEN_TONES = ("primary", "info", "warning", "purple", "teal")
SEMANTIC_TONES = {Semantic.WON: "success", Semantic.CONVERTED: "success", Semantic.LOST: "danger",
                  Semantic.JUNK: "secondary"}


def status_values(entity: str) -> list[StatusValue]:
    """The entity's statuses (lead) or stages (deal) in their order; cached per request."""
    cache = g.setdefault("_fd_statuses", {})
    if entity not in cache:
        cache[entity] = queries.status_values(entity)
    return cache[entity]


def status_info(entity: str, code: str | None) -> dict:
    """Name and badge tone of a status code (unknown codes show as themselves)."""
    open_index = 0
    for value in status_values(entity):
        if value.code == code:
            tone = SEMANTIC_TONES.get(value.semantic) or OPEN_TONES[open_index % len(OPEN_TONES)]
            return {"code": code, "name": value.name, "tone": tone, "semantic": value.semantic}
        if value.semantic == Semantic.OPEN:
            open_index += 1
    return {"code": code, "name": code or "", "tone": "secondary", "semantic": Semantic.OPEN}


def pipeline_names() -> dict[int, str]:
    """Deal pipelines' names by id; cached per request."""
    if "_fd_pipelines" not in g:
        g._fd_pipelines = {p.id: p.name for p in list_pipelines()}
    return g._fd_pipelines


def stage_values(pipeline_id: int | None) -> list[StatusValue]:
    """The stages of a deal's pipeline (the default one when None) in their order."""
    try:
        pipeline = get_pipeline(pipeline_id) if pipeline_id else default_pipeline()
    except NotFound:  # a hand-edited form: the default pipeline's stages
        pipeline = default_pipeline()
    return stages_of(pipeline)


def users_by_id(ids: set[int | None] | list[int | None]) -> dict[int, User]:
    """Users by id, each read once per request; the viewer is the row the login read (often the
    record's responsible and its timeline's author)."""
    wanted = {i for i in ids if i}
    cache: dict[int, User] = g.setdefault("_fd_users", {})
    viewer = _viewer()
    if viewer is not None:
        cache.setdefault(viewer.id, viewer)
    missing = wanted - set(cache)
    if missing:
        for user in users_by_ids(missing):
            cache[user.id] = user
    return {i: cache[i] for i in wanted if i in cache}


def _viewer() -> User | None:
    """The logged-in user of this request, if any."""
    if not has_request_context() or not current_user.is_authenticated:
        return None
    return current_user._get_current_object()


def user_by_id(user_id: int | None) -> User | None:
    return users_by_id([user_id]).get(user_id) if user_id else None


def titles_by_id(entity: str, ids: set[int | None] | list[int | None], actor: Actor) -> dict[int, str]:
    """Titles of the records of one type the actor may read, by id."""
    return queries.titles_by_id(entity, ids, actor=actor)


def ref_matches(entity: str, actor: Actor, text: str, limit: int = 10) -> list[tuple[int, str]]:
    """A reference field's type-ahead: records the actor may read whose title contains `text`
    (the newest first; the newest of all for an empty text)."""
    from crm.services.records import list_records

    filters = {"q": text.strip()[:100]} if text.strip() else {}
    page = list_records(entity, actor=actor, filters=filters, sort="-id", limit=limit)
    return [(r.id, record_title(r)) for r in page.items]


def counts_by_entity(wanted: dict[str, dict], actor: Actor) -> dict[str, tuple[int, int]]:
    """Per record type, in one statement: (readable records, those matching its column filters)."""
    return queries.counts_by_entity(wanted, actor=actor)
