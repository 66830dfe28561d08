"""XLSX export and import, background imports that keep the good rows and report the bad and the
duplicate ones, and the pages: the create form's duplicate warning, export, import, merge."""
from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook

from crm.services.imports import stalled_imports
from crm.tasks import run_import
from tests.integration.test_pages import login


def _xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_round_trip(api):
    for n in range(3):
        api.post("/companies", {"title": f"Firm {n}", "industry": "Steel" if n else "Glass",
                                "emails": [f"info{n}@firm.org"], "phones": [f"+49 30 100{n}"]})
    r = api.get("/companies/export?format=xlsx&industry=Steel")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    rows = list(load_workbook(io.BytesIO(r.data)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("id", "title", "emails") and [row[1] for row in rows[1:]] == ["Firm 1", "Firm 2"]
    api.delete(f"/companies/{rows[1][0]}")
    r = api.post("/companies/import", data={"file": (io.BytesIO(r.data), "c.xlsx")},
                 content_type="multipart/form-data")
    assert r.status_code == 201 and r.json["created"] == 2, r.json
    again = api.get(f"/companies/{r.json['ids'][0]}").json
    assert (again["title"], again["industry"], again["emails"], again["phones"]) == (
        "Firm 1", "Steel", ["info1@firm.org"], ["+49 30 1001"])


def test_a_background_import_keeps_good_rows_and_reports_bad_and_duplicate_ones(api):
    api.post("/contacts", {"last_name": "Known", "phones": ["+49 30 777 888"]})
    data = _xlsx([["Name", "First name", "E-mails", "Phones", "Ignored"],
                  ["Ada", "A", "ada@x.org", "", "x"],
                  ["", "NoLast", "", "", ""],  # row 3: last name is required
                  ["Bob", "B", "not-an-address", "", ""],  # row 4: a bad e-mail
                  ["Dup", "D", "", "030 777888", ""],  # row 5: same phone as Known
                  ["Cy", "C", "cy@x.org", "", ""]])
    r = api.post("/contacts/imports", data={"file": (io.BytesIO(data), "people.xlsx"), "start": "0"},
                 content_type="multipart/form-data")
    assert r.status_code == 202, r.json
    job = r.json
    assert job["status"] == "draft" and job["mapping"] == {"1": "first_name", "2": "emails", "3": "phones"}
    r = api.post("/contacts/imports", data={"file": (io.BytesIO(data), "people.xlsx"), "on_duplicate": "skip",
                                            "mapping": '{"0": "last_name", "1": "first_name", "2": "emails", '
                                                       '"3": "phones"}'},
                 content_type="multipart/form-data")
    assert r.status_code == 202 and r.json["status"] == "queued", r.json
    assert stalled_imports(seconds=-5) == [r.json["id"]]  # beat would start it again
    run_import(r.json["id"])
    run_import(r.json["id"])  # a redelivered task finds nothing left to do
    job = api.get(f"/imports/{r.json['id']}").json
    assert (job["status"], job["created"], job["failed"], job["skipped"]) == ("done", 2, 2, 1)
    assert stalled_imports(seconds=-5) == []
    names = {c["last_name"] for c in api.get("/contacts?limit=50").json["items"]}
    assert names == {"Known", "Ada", "Cy"}
    report = api.get(f"/imports/{job['id']}/report.csv").get_data(as_text=True).splitlines()
    assert report[0] == "row,field,message"
    expected = [["3", "last_name"], ["4", "emails"], ["5", "duplicate"]]
    assert [line.split(",")[:2] for line in report[1:]] == expected


def test_pages_warn_before_saving_a_duplicate_and_merge(api, client, admin):
    first = api.post("/companies", {"title": "Acme GmbH"}).json["id"]
    login(client, admin.email)
    panel = client.post("/companies/new/duplicates", data={"title": "ACME Ltd."}).get_data(as_text=True)
    assert f"#{first} Acme GmbH" in panel and "same name" in panel
    r = client.post("/companies/new", data={"title": "Acme, Inc."})
    assert r.status_code == 409 and "save-anyway" in r.get_data(as_text=True)
    r = client.post("/companies/new", data={"title": "Acme, Inc.", "save_anyway": "1"})
    assert r.status_code == 302
    second = int(r.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    assert f"#{second}" in client.get("/companies/duplicates").get_data(as_text=True)
    assert f"#{first} Acme GmbH" in client.get(f"/companies/{second}").get_data(as_text=True)
    page = client.get(f"/companies/merge?ids={first}&ids={second}").get_data(as_text=True)
    assert "field_title" in page
    r = client.post(f"/companies/merge?ids={first}&ids={second}",
                    data={"survivor_id": str(second), "field_title": str(first)})
    assert r.status_code == 302, r.get_data(as_text=True)
    assert api.get(f"/companies/{second}").json["title"] == "Acme GmbH"
    assert api.get(f"/companies/{first}").status_code == 404
    r = client.get("/companies/export?format=csv&q=acme")
    assert r.status_code == 200 and r.get_data(as_text=True).count("Acme GmbH") == 1
    r = client.post("/companies/import", data={"file": (io.BytesIO(b"title\nNew one\n,\n"), "c.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 302
    job_page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert 'name="col_0"' in job_page and "New one" in job_page
