"""Record lists: the total counts only what the person may read, and pages go back as well as on."""
from __future__ import annotations

import re

from crm.services.records import create_record
from tests.support.access_world import assign
from tests.support.browser import session_client
from transactions import unit_of_work

IDS = re.compile(r'name="ids" value="(\d+)"')
NEXT = re.compile(r'href="([^"]+)" id="next-page"')
PREV = re.compile(r'href="([^"]+)" id="prev-page"')


def _page(client, url: str) -> tuple[list[int], str, str | None, str | None]:
    html = client.get(url.replace("&amp;", "&")).get_data(as_text=True)
    total = re.search(r'id="list-total">([^<]+)<', html).group(1)
    nxt, prev = NEXT.search(html), PREV.search(html)
    return ([int(i) for i in IDS.findall(html)], total, nxt and nxt.group(1), prev and prev.group(1))


def test_totals_follow_rights_and_pages_go_back(app, admin, make_user, api, monkeypatch) -> None:
    manager = make_user("manager@example.com")
    assign(api, "manager", user_id=manager.id)
    with unit_of_work():
        mine = [create_record("lead", {"title": f"Mine {n:02}", "responsible_id": manager.id}, actor=admin).id
                for n in range(30)]
        for n in range(7):
            create_record("lead", {"title": f"Other {n}", "responsible_id": admin.id}, actor=admin)

    client = session_client(app, manager)
    first, total, nxt, prev = _page(client, "/leads")
    assert total == "25 of 30 leads" and prev is None  # the admin's 7 are neither listed nor counted
    assert first == sorted(mine, reverse=True)[:25]
    second, total, nxt2, prev = _page(client, nxt)
    assert second == sorted(mine, reverse=True)[25:] and total == "5 of 30 leads" and nxt2 is None
    back, _, nxt3, prev3 = _page(client, prev)
    assert back == first and prev3 is None and nxt3  # back on the first page: no "Previous"

    # Sorted by title ascending, filtered: back and forth agree, the total is the filtered count.
    url = "/leads?sort=title&q=mine"
    first, total, nxt, _ = _page(client, url)
    assert total == "25 of 30 leads"
    _, _, _, prev = _page(client, nxt)
    assert _page(client, prev)[0] == first

    admin_view = session_client(app, admin)
    assert _page(admin_view, "/leads")[1] == "25 of 37 leads"
    monkeypatch.setattr("web.pages.records.TOTAL_CAP", 30)  # past the cap, counting stops
    assert _page(admin_view, "/leads")[1] == "25 of 30+ leads"
    assert _page(client, "/leads")[1] == "25 of 30 leads"
