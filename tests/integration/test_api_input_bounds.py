"""Input schemathesis found the database could not take: huge numbers, yes/no filters compared as text."""
from __future__ import annotations

HUGE = 279454366539995404569792980451328  # over 64 bits: SQLite cannot bind it


def test_a_path_id_over_the_id_range_is_not_found(api):
    for path in (f"/leads/{2**31}", f"/leads/{HUGE}", f"/tasks/{HUGE}", f"/users/{HUGE}"):
        r = api.get(path)
        assert r.status_code == 404, (path, r.status_code)
    assert api.get(f"/leads/{2**31 - 1}").status_code == 404  # the largest id still routes


def test_a_body_number_over_64_bits_answers_422_naming_it(api):
    r = api.post("/roles/1/assignments", {"user_id": HUGE})
    assert r.status_code == 422
    assert r.json["fields"] == {"user_id": "A number between -2^63 and 2^63-1"}
    r = api.post("/tasks", {"title": "Call", "links": [{"entity": "lead", "id": HUGE}]})
    assert r.status_code == 422 and list(r.json["fields"]) == ["links[0].id"]


def test_numbers_inside_64_bits_reach_the_service(api):
    r = api.post("/roles/1/assignments", {"user_id": 2**40})
    assert r.status_code in (404, 422) and r.json["error"]
    assert api.post("/deals", {"title": "Big", "amount": 10**12}).status_code == 201


def test_yes_no_filters_compare_as_booleans(api):
    """?do_not_email= was compared as text: PostgreSQL refused boolean = varchar (a 500)."""
    quiet = api.post("/contacts", {"last_name": "Quiet", "do_not_email": True}).json["id"]
    loud = api.post("/contacts", {"last_name": "Loud"}).json["id"]
    for value, expected in (("true", [quiet]), ("yes", [quiet]), ("0", [loud]), ("false", [loud])):
        r = api.get(f"/contacts?do_not_email={value}")
        assert r.status_code == 200, r.json
        assert [c["id"] for c in r.json["items"]] == expected, value
    r = api.get("/leads?do_not_email=records/view.html")
    assert r.status_code == 422 and r.json["fields"] == {"do_not_email": "Expected true or false"}


def test_nul_characters_answer_422_naming_where(api):
    """PostgreSQL refuses NUL in text: it was a 500 there (comments, names, filters, tokens...)."""
    r = api.post("/leads/1/comments", {"text": "a\x00b"})
    assert r.status_code == 422 and r.json["fields"] == {"text": "Text may not contain NUL characters"}
    r = api.post("/tasks", {"title": "Call", "links": [{"entity": "lead\x00", "id": 1}]})
    assert r.status_code == 422 and list(r.json["fields"]) == ["links[0].entity"]
    r = api.get("/leads?title=a%00b")
    assert r.status_code == 422 and list(r.json["fields"]) == ["title"]
    r = api.get("/processes/a%00b")
    assert r.status_code == 422 and list(r.json["fields"]) == ["key"]


def test_a_body_over_the_upload_limit_answers_413_as_documented(api, app):
    big = b'{"title": "' + b"x" * (app.config["MAX_CONTENT_LENGTH"] + 10) + b'"}'
    r = api.client.post("/api/v1/leads", data=big, content_type="application/json",
                        headers={"Authorization": f"Bearer {api.token}"})
    assert r.status_code == 413 and r.is_json and r.json["error"]


def test_a_timeline_before_outside_the_id_range_is_ignored(api):
    """?before=-25375394142 was a 500 on PostgreSQL ("integer out of range"); 0 and huge were ignored."""
    lead = api.post("/leads", {"title": "Big order"}).json["id"]
    for ignored in ("-25375394142", "0", str(2**31), "x"):
        r = api.get(f"/leads/{lead}/timeline?before={ignored}")
        assert r.status_code == 200 and r.json["items"], ignored
    assert api.get(f"/leads/{lead}/timeline?before=1").json["items"] == []


def test_list_filters_and_cursors_outside_the_id_range_answer_422(api):
    for path, name in ((f"/inbox?entity=lead&entity_id={2**31}", "entity_id"),
                       (f"/process-instances?entity=lead&entity_id={2**31}", "entity_id"),
                       (f"/process-instances?cursor={2**31}", "cursor")):
        r = api.get(path)
        assert r.status_code == 422 and name in r.json["fields"], (path, r.status_code)
