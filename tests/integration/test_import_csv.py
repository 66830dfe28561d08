"""POST /api/v1/<records>/import with odd CSV files: old Mac line ends work, broken files answer 422."""
from __future__ import annotations


def _import(api, text: str):
    return api.client.post("/api/v1/companies/import", data=text.encode(), content_type="text/csv",
                           headers={"Authorization": f"Bearer {api.token}"})


def test_lone_carriage_returns_end_rows(api):
    r = _import(api, "title,industry\rAcme,Steel\rBeta,\"Glass\rand stone\"\r")
    assert r.status_code == 201, r.json
    assert r.json["created"] == 2
    assert api.get(f"/companies/{r.json['ids'][1]}").json["industry"] == "Glass\rand stone"


def test_a_carriage_return_inside_a_header_is_not_a_server_error(api):
    r = _import(api, "i>\rM")
    assert r.status_code == 422 and "file" in r.json["fields"]


def test_a_field_over_the_csv_limit_answers_422_naming_the_file(api):
    r = _import(api, "title\n\"" + "x" * 200_000 + "\"\n")
    assert r.status_code == 422
    assert "Not a CSV file" in r.json["fields"]["file"]


def test_a_nul_character_answers_422_on_every_database(api):
    r = _import(api, "title\nAc\x00me\n")
    assert r.status_code == 422
    assert r.json["fields"] == {"file": "Not a CSV text file: it contains NUL characters"}
