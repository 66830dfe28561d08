"""Kanban boards: /leads/board and /deals/board (crm.services.boards).

A drop is the edit form's change (records.update_record with the version the card showed), so
rights per status, versions, events and the processes that react are the same. The page keeps
one unit of work per request: the view commits only when it answers below 400.
"""
from __future__ import annotations

from flask import abort, jsonify, render_template, request
from markupsafe import escape

from crm.entities import ENTITIES
from crm.services import boards as svc
from crm.services.pipelines import list_pipelines
from crm.services.records import create_record, update_record
from errors import ServiceError, ValidationError
from extensions import db
from org.services.departments import list_departments
from org.services.users import list_users
from web.pages import pages
from web.pages.common import fmt_money, me
from web.pages.lookups import users_by_id
from web.pages.records import ICONS

BOARDS = {ENTITIES[name].plural: name for name in svc.BOARD_ENTITIES}
CARDS = 20
BOARD = "<records:plural>"


def _entity(plural: str) -> str:
    if plural not in BOARDS:
        abort(404)
    return BOARDS[plural]


def _filters(entity: str) -> tuple[dict, dict]:
    """(checked filters, the 422 errors); bad filters show the board unfiltered with the error."""
    try:
        return svc.parse_filters(entity, request.args), {}
    except ValidationError as exc:
        return {}, exc.fields


def _filter_args() -> dict:
    """The filters in the query string, for the columns' "load more" links."""
    return {k: request.args[k] for k in svc.FILTERS if request.args.get(k)}


def _cards(records: list, users: dict | None = None) -> list[dict]:
    users = users if users is not None else users_by_id([r.responsible_id for r in records])
    return [{"record": r, "responsible": users.get(r.responsible_id),
             "amount": fmt_money(r.amount, r.currency) if r.amount is not None else ""} for r in records]


@pages.get(f"/{BOARD}/board")
def record_board(plural: str):
    entity = _entity(plural)
    filters, errors = _filters(entity)
    board = svc.board_with_cards(entity, actor=me(), filters=filters, limit=CARDS)
    users = users_by_id([r.responsible_id for col in board.columns for r in col["page"].items])
    for col in board.columns:
        page = col.pop("page")
        col.update(cards=_cards(page.items, users), next=page.next)
    return render_template(
        "records/board.html", spec=svc.board_spec(entity), icon=ICONS[entity], board=board,
        args=request.args, filter_args=_filter_args(), errors=errors, users=list_users(),
        departments=list_departments(),
        pipelines=list_pipelines() if entity == "deal" else []), 422 if errors else 200


@pages.get(f"/{BOARD}/board/column")
def record_board_column(plural: str):
    """More cards of one column (htmx, when the column's end scrolls into view)."""
    entity = _entity(plural)
    filters, _ = _filters(entity)
    page = svc.column_page(entity, request.args.get("column", ""), actor=me(), filters=filters,
                           cursor=request.args.get("cursor") or None, limit=CARDS)
    return render_template("records/_board_cards.html", spec=svc.board_spec(entity),
                           cards=_cards(page.items), column=request.args.get("column", ""),
                           next=page.next, filter_args=_filter_args())


@pages.post(f"/{BOARD}/board/move")
def record_board_move(plural: str):
    """Move a card: the edit form's change. JSON: the new version, or why it was refused."""
    entity = _entity(plural)
    spec = svc.board_spec(entity)
    raw_id, seen = request.form.get("id", ""), request.form.get("version", "")
    if not raw_id.isdigit() or len(raw_id) > 18:
        return jsonify({"error": "Which card? Send its id", "fields": {"id": "Expected an id"}}), 422
    if_match = {int(seen)} if seen.isdigit() and len(seen) < 10 else None
    try:
        record = update_record(entity, int(raw_id), {spec.status_field: request.form.get("to", "")},
                               actor=me(), if_match=if_match)
    except ServiceError as exc:
        db.session.rollback()
        return jsonify(exc.to_dict()), exc.status
    return jsonify({"id": record.id, "version": record.version,
                    "status": getattr(record, spec.status_field)})


@pages.post(f"/{BOARD}/board/add")
def record_board_add(plural: str):
    """Quick add: a title only, created in the column's status (htmx: the new card)."""
    entity = _entity(plural)
    spec = svc.board_spec(entity)
    data = {"title": request.form.get("title", ""), spec.status_field: request.form.get("column", "")}
    if entity == "deal" and request.form.get("pipeline_id"):
        data["pipeline_id"] = request.form["pipeline_id"]
    try:
        record = create_record(entity, data, actor=me())
    except ServiceError as exc:
        db.session.rollback()
        message = "; ".join(exc.fields.values()) or exc.message
        alert = f'<div class="alert alert-danger py-1 px-2 small mb-2" role="alert">{escape(message)}</div>'
        return alert, exc.status
    return render_template("records/_board_cards.html", spec=spec, cards=_cards([record]),
                           column=data[spec.status_field], next=None, filter_args={})
