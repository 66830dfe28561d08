"""Deal pipelines: each an ordered list of its own stages; every deal runs through one.

Stage codes stay unique among all deal stages (crm_status), so a code alone still names one
stage for events, rights per status and processes. A stage without a pipeline (added as data
before pipelines existed) belongs to the default pipeline, and so does a deal without one.
"""
from __future__ import annotations

import re

from sqlalchemy import inspect, or_, select

from crm import access
from crm.models import Deal, Pipeline, StatusValue
from crm.states import Semantic
from errors import NotFound, ValidationError
from extensions import db
from org.actors import Actor

CODE_RE = re.compile(r"^[A-Z][A-Z0-9_]{0,31}$")
KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,254}$")
STANDARD_STAGE_PROCESS = "perform_in_stages"  # the shipped "Perform in stages"


def stage_process(pipeline: Pipeline) -> str | None:
    """The process that walks this pipeline's deals through its stages."""
    return pipeline.process_key or (STANDARD_STAGE_PROCESS if pipeline.is_default else None)


def stage_process_allows(process_key: str, pipeline_id: int | None) -> bool:
    """Whether a deal of this pipeline may start `process_key`: a process some pipeline names as
    its stage process starts only for that pipeline's deals; every other process is unaffected."""
    pipelines = list_pipelines()
    named = {stage_process(p) for p in pipelines}
    if process_key not in named:
        return True
    mine = next((p for p in pipelines if p.id == pipeline_id), None) or next(
        (p for p in pipelines if p.is_default), None)
    return mine is not None and stage_process(mine) == process_key


def list_pipelines() -> list[Pipeline]:
    """Every pipeline in its order (any signed-in person may see the names)."""
    return list(db.session.scalars(select(Pipeline).order_by(Pipeline.sort, Pipeline.id)))


def list_pipelines_to_manage(*, actor: Actor) -> list[Pipeline]:
    """The pipelines, for the settings page (those who may change settings)."""
    access.require_settings(actor)
    return list_pipelines()


def default_pipeline() -> Pipeline:
    """The pipeline deals get when none is named."""
    found = db.session.scalar(select(Pipeline).order_by(Pipeline.is_default.desc(), Pipeline.sort,
                                                        Pipeline.id).limit(1))
    if found is None:
        raise NotFound("No deal pipeline; create one in the settings")
    return found


def get_pipeline(pipeline_id: int) -> Pipeline:
    found = db.session.get(Pipeline, pipeline_id)
    if found is None:
        raise NotFound(f"No pipeline {pipeline_id}")
    return found


def stages_of(pipeline: Pipeline) -> list[StatusValue]:
    """The pipeline's stages in their order."""
    mine = StatusValue.pipeline_id == pipeline.id
    if pipeline.is_default:
        mine = or_(mine, StatusValue.pipeline_id.is_(None))
    return list(db.session.scalars(select(StatusValue).where(StatusValue.entity == "deal", mine)
                                   .order_by(StatusValue.sort, StatusValue.id)))


def first_open_stage(pipeline: Pipeline) -> str:
    """Where a deal starts, or lands when it moves to this pipeline."""
    stages = stages_of(pipeline)
    for stage in stages:
        if stage.semantic == Semantic.OPEN:
            return stage.code
    if not stages:
        raise ValidationError.from_fields({"pipeline_id": f"Pipeline {pipeline.name!r} has no stages"})
    return stages[0].code


def settle_deal(deal: Deal, given: dict, *, creating: bool) -> None:
    """Make the deal's pipeline and stage agree: a new pipeline without a stage means its first
    open stage; a stage from another pipeline is a 422 naming `stage`."""
    if creating and "stage" in given and not deal.pipeline_id:  # a new deal in a stage: its pipeline
        deal.pipeline_id = db.session.scalar(select(StatusValue.pipeline_id).where(
            StatusValue.entity == "deal", StatusValue.code == deal.stage))
    pipeline = get_pipeline(deal.pipeline_id) if deal.pipeline_id else default_pipeline()
    deal.pipeline_id = pipeline.id
    if creating:
        moved = "stage" not in given
    else:  # a new pipeline with the stage left as it was (the API without one, a form with both)
        state = inspect(deal)
        moved = state.attrs.pipeline_id.history.has_changes() and not state.attrs.stage.history.has_changes()
    if moved:
        deal.stage = first_open_stage(pipeline)
        return
    codes = [s.code for s in stages_of(pipeline)]
    if deal.stage not in codes:
        raise ValidationError.from_fields({"stage": (
            f"Stage {deal.stage} is not in pipeline {pipeline.name!r}; use one of {', '.join(codes)}")})


# ---- settings: pipelines and their stages (administrators) ----------------------------------

def create_pipeline(data: dict, *, actor: Actor) -> Pipeline:
    """A new pipeline with its stages ([{code, name, semantic}] in order)."""
    access.require_settings(actor)
    name = _name(data.get("name"))
    pipeline = Pipeline(name=name, sort=_sort(data.get("sort", 0)), is_default=False,
                        process_key=_process_key(data.get("process_key")))
    db.session.add(pipeline)
    db.session.flush()
    _set_stages(pipeline, data.get("stages"))
    return pipeline


def update_pipeline(pipeline_id: int, data: dict, *, actor: Actor) -> Pipeline:
    """Rename, reorder, or replace the stage list (stages in use by deals must stay)."""
    access.require_settings(actor)
    pipeline = get_pipeline(pipeline_id)
    unknown = set(data) - {"name", "sort", "stages", "process_key"}
    if unknown:
        raise ValidationError.from_fields({k: "Unknown field" for k in sorted(unknown)})
    if "name" in data:
        pipeline.name = _name(data["name"], own_id=pipeline.id)
    if "sort" in data:
        pipeline.sort = _sort(data["sort"])
    if "process_key" in data:
        pipeline.process_key = _process_key(data["process_key"])
    if "stages" in data:
        _set_stages(pipeline, data["stages"])
    db.session.flush()
    return pipeline


def _name(raw: object, *, own_id: int | None = None) -> str:
    name = str(raw or "").strip() if isinstance(raw, (str, type(None))) else ""
    if not name or len(name) > 100:
        raise ValidationError.from_fields({"name": "Give a name of 1 to 100 characters"})
    taken = db.session.scalar(select(Pipeline.id).where(Pipeline.name == name))
    if taken is not None and taken != own_id:
        raise ValidationError.from_fields({"name": f"A pipeline named {name!r} exists"})
    return name


def _process_key(raw: object) -> str | None:
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str) or not KEY_RE.match(raw.strip()):
        raise ValidationError.from_fields({"process_key": "A process key (letters, digits, _ . -) or null"})
    return raw.strip()


def _sort(raw: object) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) and not str(raw).lstrip("-").isdigit():
        raise ValidationError.from_fields({"sort": "Expected a whole number"})
    value = int(raw)
    if abs(value) > 1_000_000:
        raise ValidationError.from_fields({"sort": "Out of range"})
    return value


def _set_stages(pipeline: Pipeline, raw: object) -> None:
    """Replace the pipeline's stages by `raw`, in that order; existing codes are kept (renamed)."""
    wanted = _parse_stages(raw)
    current = {s.code: s for s in stages_of(pipeline)}
    others = set(db.session.scalars(select(StatusValue.code).where(
        StatusValue.entity == "deal", StatusValue.code.not_in(list(current) or [""]))))
    for i, (code, name, semantic) in enumerate(wanted):
        if code in others:
            raise ValidationError.from_fields({"stages": f"Stage code {code} is used by another pipeline"})
        row = current.pop(code, None) or StatusValue(entity="deal", code=code)
        row.name, row.semantic, row.sort, row.pipeline_id = name, semantic, (i + 1) * 10, pipeline.id
        db.session.add(row)
    _drop_stages(pipeline, list(current.values()))


def _drop_stages(pipeline: Pipeline, dropped: list[StatusValue]) -> None:
    for row in dropped:
        used = db.session.scalar(select(Deal.id).where(Deal.stage == row.code).limit(1))
        if used is not None:
            raise ValidationError.from_fields(
                {"stages": f"Stage {row.code} still holds deals; move them first"})
        db.session.delete(row)


def _parse_stages(raw: object) -> list[tuple[str, str, str]]:
    if not isinstance(raw, list) or not raw or len(raw) > 50:
        raise ValidationError.from_fields({"stages": "Give 1 to 50 stages"})
    out: list[tuple[str, str, str]] = []
    for item in raw:
        if not isinstance(item, dict):
            raise ValidationError.from_fields({"stages": "Each stage is {code, name, semantic}"})
        code = str(item.get("code") or "").strip().upper()
        name = str(item.get("name") or "").strip() or code.title()
        semantic = str(item.get("semantic") or "open")
        if not CODE_RE.match(code) or code in [c for c, _, _ in out]:
            raise ValidationError.from_fields({"stages": f"Bad or repeated stage code {code!r}"})
        if semantic not in (Semantic.OPEN, Semantic.WON, Semantic.LOST) or len(name) > 100:
            raise ValidationError.from_fields({"stages": f"Stage {code}: semantic open, won or lost"})
        out.append((code, name, semantic))
    if not any(s == Semantic.OPEN for _, _, s in out):
        raise ValidationError.from_fields({"stages": "A pipeline needs at least one open stage"})
    return out


def pipeline_to_dict(pipeline: Pipeline) -> dict:
    return {"id": pipeline.id, "name": pipeline.name, "sort": pipeline.sort,
            "is_default": pipeline.is_default, "process_key": pipeline.process_key,
            "stages": [{"code": s.code, "name": s.name, "semantic": s.semantic}
                       for s in stages_of(pipeline)]}
