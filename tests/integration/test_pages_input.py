"""Pages refuse NUL characters in query, form and path values with a 422 naming them (the API
does the same; PostgreSQL refuses NUL in text, which would otherwise end as a 500)."""
from __future__ import annotations

from tests.integration.process_pages_support import Browser


def test_nul_characters_answer_422_naming_the_value(app, admin):
    web = Browser(app, admin)
    listed = web.get("/leads?q=a%00b")
    assert listed.status_code == 422 and "NUL" in listed.get_data(as_text=True)
    assert "q" in listed.get_data(as_text=True)
    saved = web.post("/leads/new", data={"title": "bad\x00title"})
    assert saved.status_code == 422 and "title" in saved.get_data(as_text=True)
    assert web.get("/leads?q=fine").status_code == 200
