"""The board page's statements do not grow with its columns: the pipeline, its stages and the
rights scope are resolved once, and an empty column costs no query (bench/load.py found the
deal board at 53 statements, 4 more per column)."""
from __future__ import annotations

from crm.models import StatusValue
from extensions import db
from tests.integration.test_pages import login
from tests.support.statements import statements as counted


def _board_statements(client) -> int:
    db.session.commit()  # the same starting point each time (the test's own writes expire rows)
    with counted() as seen:
        page = client.get("/deals/board")
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    return len(seen)


def test_more_stages_cost_no_more_statements_and_cards_one_each(client, admin, api):
    login(client, admin.email)
    assert api.post("/deals", {"title": "Only card", "stage": "NEW"}).status_code == 201
    client.get("/deals/board")  # warm: first-request lookups
    before = _board_statements(client)
    for n in range(4):
        db.session.add(StatusValue(entity="deal", code=f"EXTRA{n}", name=f"Extra {n}", sort=50 + n))
    db.session.commit()
    assert _board_statements(client) == before  # four empty columns more, no statement more
    assert api.post("/deals", {"title": "Second card", "stage": "EXTRA0"}).status_code == 201
    assert _board_statements(client) == before + 1  # a column with cards: its one page query
