"""Global search: prefix matching, ranking, what is indexed, kept in step by events, rights, rebuild."""
from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from crm.events import relay_pending
from tests.support.access_world import ENTITIES, build_world, role_id
from tests.support.browser import session_client


def relay() -> None:
    while relay_pending():
        pass


def found(api, q: str, **params: object) -> list[tuple[str, int]]:
    r = api.get("/search", query_string={"q": q, **params})
    assert r.status_code == 200, r.json
    return [(item["entity"], item["id"]) for item in r.json["items"]]


def titles(api, q: str) -> list[str]:
    r = api.get("/search", query_string={"q": q})
    assert r.status_code == 200, r.json
    return [item["title"] for item in r.json["items"]]


def make(api, plural: str, data: dict) -> dict:
    r = api.post(f"/{plural}", data)
    assert r.status_code == 201, r.json
    return r.json


def test_prefix_match_as_you_type(api):
    lead = make(api, "leads", {"title": "Acme Industries"})
    make(api, "leads", {"title": "Globex"})
    relay()
    for q in ("ac", "acm", "ACME", "acme ind", "ind acm", "Ácme"):
        assert found(api, q) == [("lead", lead["id"])], q
    assert found(api, "acmex") == []
    assert found(api, "cme") == []  # word prefixes, not substrings
    r = api.get("/search", query_string={"q": "acm"})
    item = r.json["items"][0]
    assert item["title"] == "Acme Industries"
    assert item["url"].endswith(f"/leads/{lead['id']}")
    assert r.json["groups"] == [{"entity": "lead", "label": "Leads", "items": [item]}]
    doc = api.get("/openapi.json").json  # the answer is what the API document promises
    schema = {**doc["components"]["schemas"]["SearchResults"], "components": doc["components"]}
    Draft202012Validator(schema).validate(r.json)


def test_cyrillic_letters_with_marks_and_latin_accents_are_found_as_typed(api):
    report = make(api, "leads", {"title": "Отчёт Йошкар-Ола"})
    muller = make(api, "leads", {"title": "Müller GmbH"})
    relay()
    for q in ("отчёт", "Йошкар", "йош ола"):  # й and ё are letters of their own, not и and е with marks
        assert found(api, q) == [("lead", report["id"])], q
    for q in ("muller", "Müll"):
        assert found(api, q) == [("lead", muller["id"])], q


def test_better_match_ranks_first(api):
    in_comment = make(api, "leads", {"title": "Quarterly order", "comments": "asked about zorblax"})
    in_title = make(api, "leads", {"title": "Zorblax rollout"})
    newer = make(api, "deals", {"title": "Unrelated deal"})
    api.post(f"/deals/{newer['id']}/comments", {"text": "zorblax came up again"})
    relay()
    hits = found(api, "zorb")
    assert hits[0] == ("lead", in_title["id"])
    assert set(hits[1:]) == {("lead", in_comment["id"]), ("deal", newer["id"])}


def test_the_relay_reads_comments_only_of_a_record_that_has_some(api):
    """The claim tells the search consumer whether the record has comments: a new lead's relay
    reads no timeline; once it has one, its events' relays do, and the body keeps it."""
    from tests.support.statements import statements

    lead = make(api, "leads", {"title": "Hintless"})
    with statements() as seen:
        relay()
    assert not [s for s in seen if s.startswith("SELECT timeline_entry")], seen
    api.post(f"/leads/{lead['id']}/comments", {"text": "zorblax came up"})
    relay()
    api.patch(f"/leads/{lead['id']}", {"title": "Hinted"})
    with statements() as seen:
        relay()
    assert [s for s in seen if s.startswith("SELECT timeline_entry")], seen
    assert found(api, "zorblax") == [("lead", lead["id"])] == found(api, "hinted")


def test_emails_phones_company_names_comments_and_tasks_are_found(api):
    company = make(api, "companies", {"title": "Umbrella Corporation", "phones": ["+1 (555) 010-0199"]})
    contact = make(api, "contacts", {"first_name": "Jane", "last_name": "Doe", "company_id": company["id"],
                                     "emails": ["Jane.Doe@initech.example"]})
    deal = make(api, "deals", {"title": "Big one", "company_id": company["id"], "contact_id": contact["id"]})
    lead = make(api, "leads", {"title": "Inbound", "company_name": "Hooli", "phones": ["+44 20 7946 0958"]})
    api.post(f"/leads/{lead['id']}/comments", {"text": "Prefers blue widgets, call after lunch"})
    task = api.post("/tasks", {"title": "Send brochure", "description": "Quarterly invoice reminder"}).json
    relay()
    assert found(api, "jane.doe@initech") == [("contact", contact["id"])]
    assert found(api, "initech") == [("contact", contact["id"])]
    assert found(api, "5550100199") == [("company", company["id"])]
    assert found(api, "555 010") == [("company", company["id"])]
    assert found(api, "2079460958") == [("lead", lead["id"])]
    assert found(api, "hool") == [("lead", lead["id"])]
    assert set(found(api, "umbrella")) == {("company", company["id"]), ("contact", contact["id"]),
                                           ("deal", deal["id"])}
    assert found(api, "jane doe") == [("contact", contact["id"]), ("deal", deal["id"])]
    assert found(api, "widgets") == [("lead", lead["id"])]
    assert found(api, "brochure") == [("task", task["id"])]
    assert found(api, "quarterl invoi") == [("task", task["id"])]
    r = api.get("/search", query_string={"q": "widg"})
    assert "<" not in r.json["items"][0]["snippet"] and "widgets" in r.json["items"][0]["snippet"]


def test_updates_and_deletes_follow_after_relay(api):
    company = make(api, "companies", {"title": "Initrode"})
    contact = make(api, "contacts", {"last_name": "Lumbergh", "company_id": company["id"]})
    lead = make(api, "leads", {"title": "Old name"})
    relay()
    api.patch(f"/leads/{lead['id']}", {"title": "Fresh name"})
    api.patch(f"/companies/{company['id']}", {"title": "Penetrode"})
    relay()
    assert found(api, "old") == []
    assert found(api, "fresh") == [("lead", lead["id"])]
    assert found(api, "initrode") == []
    assert set(found(api, "penetrode")) == {("company", company["id"]), ("contact", contact["id"])}
    assert api.delete(f"/leads/{lead['id']}").status_code == 204
    assert found(api, "fresh") == []  # gone before the index hears of it: results join the records
    relay()
    from crm.search.models import SearchDocument
    from extensions import db

    assert db.session.scalar(db.select(db.func.count()).select_from(SearchDocument)
                             .where(SearchDocument.entity == "lead")) == 0


def test_redelivered_events_change_nothing(api):
    from crm.events import OutboxEvent
    from crm.search.index import on_event
    from crm.search.models import SearchDocument
    from extensions import db

    lead = make(api, "leads", {"title": "Twice told"})
    relay()
    event = db.session.scalars(db.select(OutboxEvent).where(OutboxEvent.entity_id == lead["id"])).one()
    before = db.session.execute(db.select(SearchDocument.id, SearchDocument.updated_at)).all()
    on_event(event)
    on_event(event)
    db.session.commit()
    assert db.session.execute(db.select(SearchDocument.id, SearchDocument.updated_at)).all() == before
    assert found(api, "twice") == [("lead", lead["id"])]


def test_an_older_read_never_overwrites_a_newer_one(api):
    """Two workers re-reading one record: the one that read it earlier may commit last."""
    from datetime import timedelta

    from crm.search.documents import build_documents, load_rows
    from crm.search.index import upsert_documents
    from extensions import db

    lead = make(api, "leads", {"title": "Current title"})
    relay()
    stale = build_documents("lead", load_rows("lead", [lead["id"]]))[0]
    stale.title, stale.source_updated_at = "Stale title", stale.source_updated_at - timedelta(seconds=1)
    upsert_documents([stale])
    db.session.commit()
    assert found(api, "stale") == [] and found(api, "current") == [("lead", lead["id"])]


# ---- rights ----------------------------------------------------------------------------------

SALES = {"manager_a", "manager_b", "head_sales"}
ALL = {"manager_a", "manager_b", "head_sales", "ceo"}
VISIBLE = {  # whose records each default role reads in the test world (tests/support/access_world.py)
    "manager_a": {e: {"manager_a"} for e in ENTITIES},
    "head_sales": {**{e: SALES for e in ENTITIES}, "company": ALL},
    "head_a": {**{e: {"manager_a"} for e in ENTITIES}, "company": ALL},
    "ceo": {e: ALL for e in ENTITIES},
}


@pytest.fixture
def world(api, make_user):
    w = build_world(api, make_user)
    relay()
    return w


def searched(client, entity: str) -> set[int]:
    """Ids of `entity` records the client finds by the word every such title starts with."""
    return {i for e, i in found(client, entity, limit=50) if e == entity}


def test_search_shows_only_readable_records(world, api_for):
    for user, rights in VISIBLE.items():
        client = api_for(world.users[user])
        for entity in ENTITIES:
            assert searched(client, entity) == world.ids(entity, rights[entity]), (user, entity)


@pytest.mark.parametrize("strategy", ["gin", "scan"])
def test_both_postgresql_plans_apply_the_same_rights(app, world, strategy):
    """Rare words read the GIN index, common ones walk the rights index: same answers (SQLite: FTS5)."""
    from crm.search.query import search_records

    for user, rights in VISIBLE.items():
        for entity in ENTITIES:
            with app.test_request_context("/"):
                hits = search_records(entity, actor=world.users[user], limit=50, strategy=strategy).hits
            assert {h.id for h in hits if h.entity == entity} == world.ids(entity, rights[entity]), \
                (strategy, user, entity)


def test_per_status_rights_apply(world, api, api_for):
    r = api.patch(f"/roles/{role_id('manager')}", {"status_levels": {"deal": {"read": {"WON": "all"}}}})
    assert r.status_code == 200, r.json
    won = {rid for rid, _, status, _ in world.records["deal"] if status == "WON"}
    expected = world.ids("deal", {"manager_a"}) | won
    assert searched(api_for(world.users["manager_a"]), "deal") == expected


def test_a_reassigned_record_never_leaks_to_its_old_owner(world, api, api_for):
    a, b = world.users["manager_a"], world.users["manager_b"]
    lead_id = next(rid for rid, owner, _, _ in world.records["lead"] if owner == "manager_a")
    assert api.patch(f"/leads/{lead_id}", {"responsible_id": b.id}).status_code == 200
    assert lead_id not in searched(api_for(a), "lead")  # at once, before the index hears of it
    relay()
    assert lead_id not in searched(api_for(a), "lead")
    assert lead_id in searched(api_for(b), "lead")


def test_moved_user_immediately_changes_what_heads_find(world, api, api_for):
    head_a = api_for(world.users["head_a"])
    mine = world.ids("lead", {"manager_a"})
    assert searched(head_a, "lead") == mine
    r = api.patch(f"/users/{world.users['manager_a'].id}",
                  {"department_ids": [world.departments["sales_b"].id]})
    assert r.status_code == 200, r.json
    assert searched(head_a, "lead") == set()  # no relay needed
    r = api.patch(f"/users/{world.users['manager_b'].id}",
                  {"department_ids": [world.departments["sales_a"].id]})
    assert searched(head_a, "lead") == world.ids("lead", {"manager_b"})


def test_moved_department_keeps_search_in_step(world, api, api_for):
    head_sales = api_for(world.users["head_sales"])
    assert searched(head_sales, "lead") == world.ids("lead", SALES)
    r = api.patch(f"/departments/{world.departments['sales_b'].id}",
                  {"parent_id": world.departments["company"].id})
    assert r.status_code == 200, r.json
    assert searched(head_sales, "lead") == world.ids("lead", {"manager_a", "head_sales"})


# ---- rebuild and input -------------------------------------------------------------------------

def test_rebuild_indexes_existing_records_and_drops_stale_rows(api, runner):
    from crm.events import OutboxEvent
    from crm.search.documents import Document
    from crm.search.index import upsert_documents
    from crm.search.models import SearchDocument
    from extensions import db

    lead = make(api, "leads", {"title": "Preexisting lead"})
    task = api.post("/tasks", {"title": "Preexisting task"}).json
    db.session.execute(db.delete(OutboxEvent))  # as if written before search existed
    db.session.commit()
    assert found(api, "preexisting") == []
    result = runner.invoke(args=["search", "rebuild"])  # an empty index: the bulk path
    assert result.exit_code == 0, result.output
    assert "lead: 1/1 (100%)" in result.output and "task: 1/1 (100%)" in result.output
    assert "Search index rebuilt" in result.output
    assert set(found(api, "preexisting")) == {("lead", lead["id"]), ("task", task["id"])}
    if db.engine.dialect.name == "postgresql":  # the GIN index dropped for the bulk load is back
        assert db.session.scalar(db.text("SELECT to_regclass('ix_search_document_tsv')")) is not None

    upsert_documents([Document("contact", 999, "Ghost contact", "", None, "", None, None)])
    db.session.commit()
    result = runner.invoke(args=["search", "rebuild", "--entity", "contact"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(db.select(SearchDocument.id).where(SearchDocument.record_id == 999)) is None
    assert set(found(api, "preexisting")) == {("lead", lead["id"]), ("task", task["id"])}


@pytest.mark.parametrize("params, field", [({}, "q"), ({"q": "  "}, "q"), ({"q": "x" * 201}, "q"),
                                           ({"q": "acme", "limit": "0"}, "limit"),
                                           ({"q": "acme", "limit": "many"}, "limit")])
def test_bad_input_names_the_field(api, params, field):
    r = api.get("/search", query_string=params)
    assert r.status_code == 422
    assert field in r.json["fields"]


def test_query_syntax_is_plain_words(api):
    lead = make(api, "leads", {"title": "O'Brien & Sons (NEAR) \"quoted\""})
    relay()
    for q in ('o"brien', "near(", "sons*", "-quoted", "AND OR NOT", "o'bri"):
        r = api.get("/search", query_string={"q": q})
        assert r.status_code == 200, (q, r.json)
    assert found(api, "o'bri") == [("lead", lead["id"])]
    assert found(api, "near(") == [("lead", lead["id"])]


# ---- pages -------------------------------------------------------------------------------------

def browser_for(app, user):
    """A test client with `user`'s session (administrators outside admin mode)."""
    return session_client(app, user, admin_mode=False)


def test_search_box_dropdown_and_results_page(app, api, admin):
    lead = make(api, "leads", {"title": "Acme <b>rollout</b>", "comments": "call Acme's CTO"})
    relay()
    browser = browser_for(app, admin)
    page = browser.get("/leads").get_data(as_text=True)
    assert 'hx-get="/search/suggest"' in page and 'id="search-suggest"' in page
    html = browser.get("/search/suggest?q=acm", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert f'href="/leads/{lead["id"]}"' in html and "Leads" in html
    assert "<mark>Acme</mark> &lt;b&gt;rollout&lt;/b&gt;" in html  # highlighted, escaped
    assert 'href="/search?q=acm"' in html
    assert browser.get("/search/suggest?q=").get_data(as_text=True).strip() == ""
    assert "Nothing found" in browser.get("/search/suggest?q=zzzz").get_data(as_text=True)
    page = browser.get("/search?q=acme").get_data(as_text=True)
    assert f'href="/leads/{lead["id"]}"' in page and "call <mark>Acme</mark>&#39;s CTO" in page
    assert "Nothing found" in browser.get("/search?q=zzzz").get_data(as_text=True)


def test_pages_show_only_readable_records(app, world):
    for user in ("manager_a", "head_a"):
        browser = browser_for(app, world.users[user])
        html = browser.get("/search?q=lead").get_data(as_text=True)
        for rid, owner, _, _ in world.records["lead"]:
            assert (f'href="/leads/{rid}"' in html) == (owner in VISIBLE[user]["lead"]), (user, owner)
