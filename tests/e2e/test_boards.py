"""The deal board in a real browser: a drag the person's role forbids is refused by the server
and the card goes back with the reason; an allowed drag persists; quick add puts a card at the
top of its column; on a 390px phone the columns scroll sideways inside the board."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def _drag(page: Page, card, column: str) -> None:
    """Drag with the mouse in small steps, as a person does (SortableJS follows the pointer)."""
    target = page.locator(f'[data-column="{column}"] [data-cards]')
    start, end = card.bounding_box(), target.bounding_box()
    page.mouse.move(start["x"] + 20, start["y"] + 10)
    page.mouse.down()
    page.mouse.move(start["x"] + 30, start["y"] + 20, steps=5)
    page.mouse.move(end["x"] + 40, end["y"] + 20, steps=15)
    page.mouse.up()


def test_board_refuses_a_forbidden_drag_and_keeps_an_allowed_one(page: Page, live_server, api,
                                                                  make_user) -> None:
    mover = make_user("mo@example.com", first_name="Mo", last_name="Mover")
    mover_rights = {"read": "all", "add": "all", "edit": "all"}
    role = api.post("/roles", {"name": "Mover", "matrix": {"deal": mover_rights},
                               "status_levels": {"deal": {"edit": {"WON": "none"}}}}).json
    assert api.post(f"/roles/{role['id']}/assignments", {"user_id": mover.id}).status_code == 201
    assert api.post("/deals", {"title": "Alpha", "stage": "NEW", "amount": 500}).status_code == 201

    page.goto(live_server + "/login")
    page.fill("#email", mover.email)
    page.fill("#password", "Quiet-bay-42")
    page.click("button[type=submit]")
    expect(page).not_to_have_url(re.compile(r"/login$"))
    page.goto(live_server + "/deals")
    page.click("#board-view")
    expect(page.locator('[data-column="WON"]')).to_contain_text("read only")
    page.wait_for_load_state("networkidle")  # board.js is a module: it runs after parsing
    card = page.locator("[data-card]", has_text="Alpha")

    _drag(page, card, "WON")
    expect(page.locator("#board-message")).to_have_text("Missing right: edit deal (status WON)")
    expect(page.locator('[data-column="NEW"] [data-card]', has_text="Alpha")).to_be_visible()

    _drag(page, card, "PROPOSAL")
    expect(page.locator('[data-column="PROPOSAL"] [data-count]')).to_have_text("1")
    page.reload()
    expect(page.locator('[data-column="PROPOSAL"] [data-card]', has_text="Alpha")).to_be_visible()
    expect(page.locator('[data-column="NEW"] [data-count]')).to_have_text("0")

    quick = page.locator('[data-column="NEGOTIATION"] [data-quick-add] input[name="title"]')
    quick.fill("Quick one")
    quick.press("Enter")
    expect(page.locator('[data-column="NEGOTIATION"] [data-card]', has_text="Quick one")).to_be_visible()
    expect(page.locator('[data-column="NEGOTIATION"] [data-count]')).to_have_text("1")
    expect(quick).to_have_value("")

    page.set_viewport_size({"width": 390, "height": 800})
    # the board scrolls sideways inside the page; a card fills its column's width
    sizes = page.evaluate("""() => { const b = document.querySelector('#board');
        const card = document.querySelector('[data-card]'), list = card.parentElement;
        return [b.scrollWidth > b.clientWidth, b.getBoundingClientRect().right <= 390 + 1,
                Math.abs(card.getBoundingClientRect().width - list.clientWidth) < 2]; }""")
    assert sizes == [True, True, True]
