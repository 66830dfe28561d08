"""Kanban boards and deal pipelines: columns, totals and paging through rights; a drop is the
edit form's change (same service, same events); stages follow the deal's pipeline."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from crm.events import OutboxEvent
from crm.models import Deal, Pipeline, StatusValue
from extensions import db
from tests.integration.test_pages import login

MOVER = {"read": "all", "add": "all", "edit": "all"}


def _events(deal_id: int) -> list[tuple[str, dict]]:
    rows = db.session.execute(select(OutboxEvent.type, OutboxEvent.changes).where(
        OutboxEvent.entity == "deal", OutboxEvent.entity_id == deal_id,
        OutboxEvent.type != "deal.created").order_by(OutboxEvent.id))
    return [(t, c) for t, c in rows]


@pytest.fixture
def world(api, api_for, make_user):
    """An own-deals manager (the default role) and a "mover" who reads and edits every deal but
    may not move one to WON."""
    manager, mover = make_user(), make_user()
    role = api.post("/roles", {"name": "Mover", "matrix": {"deal": MOVER},
                               "status_levels": {"deal": {"edit": {"WON": "none"}}}}).json
    assert api.post(f"/roles/{role['id']}/assignments", {"user_id": mover.id}).status_code == 201
    made = {}
    for title, owner, stage, amount, currency in [
            ("m1", manager, "NEW", 100, "EUR"), ("m2", manager, "NEW", 200, ""),
            ("m3", manager, "NEW", 50, "USD"), ("a1", None, "PROPOSAL", 1000, "EUR"),
            ("a2", None, "PROPOSAL", None, "")]:
        body = {"title": title, "stage": stage, "amount": amount, "currency": currency}
        if owner is not None:
            body["responsible_id"] = owner.id
        r = api.post("/deals", body)
        assert r.status_code == 201, r.json
        made[title] = r.json
    return {"manager": manager, "mover": mover, "as_manager": api_for(manager), "as_mover": api_for(mover),
            "deals": made}


def _columns(answer) -> dict:
    assert answer.status_code == 200, answer.json
    return {c["code"]: c for c in answer.json["columns"]}


def test_board_columns_totals_and_paging_follow_rights(world, api, client):
    cols = _columns(world["as_manager"].get("/deals/board"))
    assert [cols[c]["count"] for c in ("NEW", "PROPOSAL", "WON")] == [3, 0, 0]
    assert cols["NEW"]["amount"] == 300 and cols["NEW"]["other_currencies"] == 1
    assert {d["title"] for d in cols["NEW"]["items"]} == {"m1", "m2", "m3"}
    assert all(c["droppable"] for c in cols.values())  # own deals in every stage

    cols = _columns(world["as_mover"].get("/deals/board"))
    assert cols["PROPOSAL"]["count"] == 2 and cols["PROPOSAL"]["amount"] == 1000
    assert not cols["WON"]["droppable"] and cols["LOST"]["droppable"]
    first = world["as_mover"].get("/deals/board?column=NEW&limit=2").json
    assert [d["title"] for d in first["items"]] == ["m3", "m2"] and first["next"]
    rest = world["as_mover"].get(f"/deals/board?column=NEW&limit=2&cursor={first['next']}").json
    assert [d["title"] for d in rest["items"]] == ["m1"] and rest["next"] is None
    # filters: responsible, period; bad ones are 422 naming the parameter
    mine = _columns(world["as_mover"].get(f"/deals/board?responsible={world['manager'].id}"))
    assert mine["NEW"]["count"] == 3 and mine["PROPOSAL"]["count"] == 0
    assert _columns(world["as_mover"].get("/deals/board?created_to=2000-01-01"))["NEW"]["count"] == 0
    bad = world["as_mover"].get("/deals/board?column=NOPE")
    assert bad.status_code == 422 and "column" in bad.json["fields"]
    assert world["as_mover"].get("/deals/board?created_from=soon").json["fields"] == {
        "created_from": "Expected a date (YYYY-MM-DD)"}
    leads = world["as_manager"].get("/leads/board?source=web")
    assert leads.status_code == 200 and leads.json["columns"][0]["code"] == "NEW"

    _drop_on_the_page(client, world, first["next"])


def _drop_on_the_page(client, world, more_cursor: str) -> None:
    """The page's drop: refused where the role forbids (card stays, the reason given), and else
    the edit form's change, with the same events as the form."""
    login(client, world["mover"].email)
    deal = world["deals"]["m1"]
    drop = {"id": deal["id"], "version": deal["version"]}
    refused = client.post("/deals/board/move", data={**drop, "to": "WON"})
    assert refused.status_code == 403 and refused.json["error"] == "Missing right: edit deal (status WON)"
    assert db.session.get(Deal, deal["id"]).stage == "NEW"
    moved = client.post("/deals/board/move", data={**drop, "to": "PROPOSAL"})
    assert moved.status_code == 200 and moved.json["status"] == "PROPOSAL"
    stale = client.post("/deals/board/move", data={**drop, "to": "NEW"})
    assert stale.status_code == 412
    form = client.post(f"/deals/{world['deals']['m2']['id']}/edit", data={
        "title": "m2", "stage": "PROPOSAL", "amount": "200", "currency": "",
        "responsible_id": str(world["manager"].id), "version": str(world["deals"]["m2"]["version"])})
    assert form.status_code == 302
    by_board, by_form = _events(deal["id"]), _events(world["deals"]["m2"]["id"])
    assert [t for t, _ in by_board] == [t for t, _ in by_form] == ["deal.updated", "deal.stage_changed"]
    assert by_board[0][1]["stage"] == by_form[0][1]["stage"] == ["NEW", "PROPOSAL"]
    # quick add at the top of a column, and the page itself
    added = client.post("/deals/board/add", data={"title": "quick", "column": "NEGOTIATION"})
    assert added.status_code == 200 and "quick" in added.get_data(as_text=True)
    assert db.session.scalar(select(Deal.stage).where(Deal.title == "quick")) == "NEGOTIATION"
    page = client.get("/deals/board").get_data(as_text=True)
    assert 'data-column="WON" data-droppable="false"' in page and "m3" in page
    more = client.get("/deals/board/column?column=NEW&cursor=" + more_cursor)
    assert more.status_code == 200 and "m1" not in more.get_data(as_text=True)


@pytest.fixture
def partners(api):
    r = api.post("/pipelines", {"name": "Partners", "sort": 10, "stages": [
        {"code": "P_TALK", "name": "Talks", "semantic": "open"},
        {"code": "P_SIGNED", "name": "Signed", "semantic": "won"},
        {"code": "P_GONE", "name": "Gone", "semantic": "lost"}]})
    assert r.status_code == 201, r.json
    yield r.json
    # crm_pipeline and crm_status survive the per-test wipe: remove what this test added
    db.session.rollback()
    db.session.execute(delete(Deal).where(Deal.pipeline_id == r.json["id"]))
    db.session.execute(delete(StatusValue).where(StatusValue.pipeline_id == r.json["id"]))
    db.session.execute(delete(Pipeline).where(Pipeline.id == r.json["id"]))
    db.session.commit()


def test_pipelines_have_their_own_stages(api, api_for, make_user, partners, client, admin):
    items = api.get("/pipelines").json["items"]
    assert [p["name"] for p in items] == ["Sales", "Partners"]
    sales = items[0]
    assert sales["is_default"] and [s["code"] for s in sales["stages"]][:2] == ["NEW", "PROPOSAL"]

    deal = api.post("/deals", {"title": "Reseller", "pipeline_id": partners["id"]}).json
    assert deal["stage"] == "P_TALK" and deal["pipeline_id"] == partners["id"]
    plain = api.post("/deals", {"title": "Plain"}).json
    assert plain["pipeline_id"] == sales["id"] and plain["stage"] == "NEW"
    wrong = api.patch(f"/deals/{deal['id']}", {"stage": "NEGOTIATION"})
    assert wrong.status_code == 422 and set(wrong.json["fields"]) == {"stage"}
    assert "Partners" in wrong.json["fields"]["stage"]
    assert api.post("/deals", {"title": "x", "pipeline_id": 999999}).json["fields"] == {
        "pipeline_id": "No pipeline 999999"}
    won = api.patch(f"/deals/{deal['id']}", {"stage": "P_SIGNED"}).json
    assert won["closed"] is True
    back = api.patch(f"/deals/{deal['id']}", {"pipeline_id": sales["id"]}).json
    assert back["stage"] == "NEW" and back["closed"] is False and back["pipeline_id"] == sales["id"]
    assert [t for t, _ in _events(deal["id"])][-2:] == ["deal.updated", "deal.stage_changed"]
    api.patch(f"/deals/{deal['id']}", {"pipeline_id": partners["id"]})

    cols = _columns(api.get(f"/deals/board?pipeline_id={partners['id']}"))
    assert list(cols) == ["P_TALK", "P_SIGNED", "P_GONE"] and cols["P_TALK"]["count"] == 1
    assert _columns(api.get("/deals/board"))["NEW"]["count"] == 1  # the default pipeline's deals only

    renamed = api.patch(f"/pipelines/{partners['id']}", {"name": "Partner deals", "stages": [
        {"code": "P_TALK", "name": "First talks", "semantic": "open"},
        {"code": "P_SIGNED", "name": "Signed", "semantic": "won"}]})
    assert renamed.status_code == 200
    assert [s["name"] for s in renamed.json["stages"]] == ["First talks", "Signed"]
    in_use = api.patch(f"/pipelines/{partners['id']}", {"stages": [{"code": "P_SIGNED", "semantic": "won"}]})
    assert in_use.status_code == 422 and "stages" in in_use.json["fields"]
    taken = api.post("/pipelines", {"name": "Other", "stages": [{"code": "NEW", "name": "New"}]})
    assert taken.status_code == 422 and "stages" in taken.json["fields"]
    assert api_for(make_user()).post("/pipelines", {"name": "Mine", "stages": []}).status_code == 403
    _settings_page(client, admin, api, partners)


def _settings_page(client, admin, api, partners) -> None:
    """Settings > Deal pipelines (administrators in admin mode)."""
    login(client, admin.email)
    assert client.post("/admin-mode", data={"on": "1"}).status_code == 302
    assert "P_SIGNED | Signed | won" in client.get("/settings/pipelines").get_data(as_text=True)
    saved = client.post(f"/settings/pipelines/{partners['id']}", data={
        "name": "Partners", "sort": "5",
        "stages": "P_TALK | Talks | open\nP_SIGNED | Signed | won\nP_X | X | lost"})
    assert saved.status_code == 302
    stages = api.get("/pipelines").json["items"][1]["stages"]
    assert [s["code"] for s in stages] == ["P_TALK", "P_SIGNED", "P_X"]
    bad = client.post("/settings/pipelines", data={"name": "Sales", "stages": "Q | Q | open"})
    assert bad.status_code == 422 and "A pipeline named" in bad.get_data(as_text=True)


def test_each_pipeline_starts_its_own_stage_process(api, partners):
    from engine.install import install_standard_processes
    from tests.integration.engine.runtime_support import drive, instances

    install_standard_processes()
    api.post("/deals", {"title": "In sales"})
    api.post("/deals", {"title": "With a partner", "pipeline_id": partners["id"]})
    drive()
    started = {i.entity_id for i in instances() if i.version.definition.key == "perform_in_stages"}
    titles = {d["id"]: d["title"] for d in api.get("/deals").json["items"]}
    assert {titles[i] for i in started} == {"In sales"}  # Partners names no stage process
    assert api.patch(f"/pipelines/{partners['id']}", {"process_key": "perform_in_stages"}).json[
        "process_key"] == "perform_in_stages"
    late = api.post("/deals", {"title": "Later partner", "pipeline_id": partners["id"]}).json
    drive()
    started = {i.entity_id for i in instances() if i.version.definition.key == "perform_in_stages"}
    assert late["id"] in started and len(started) == 2


def test_the_edit_form_moves_a_deal_to_another_pipeline(api, client, admin, partners):
    deal = api.post("/deals", {"title": "Form move", "stage": "PROPOSAL"}).json
    login(client, admin.email)
    form = client.post(f"/deals/{deal['id']}/edit", data={
        "title": "Form move", "pipeline_id": str(partners["id"]), "stage": "PROPOSAL",
        "version": str(deal["version"])})
    assert form.status_code == 302
    moved = api.get(f"/deals/{deal['id']}").json
    assert (moved["pipeline_id"], moved["stage"]) == (partners["id"], "P_TALK")
    page = client.get(f"/deals/{deal['id']}/edit").get_data(as_text=True)
    assert 'value="P_SIGNED"' in page and 'value="NEGOTIATION"' not in page
