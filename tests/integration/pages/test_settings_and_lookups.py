"""Company settings from the menu (no admin mode needed) with the currency forms prefill, and the
reference fields' type-ahead, which lists only records the person may read."""
from __future__ import annotations

import re

from crm.services.records import create_record
from tests.support.access_world import assign
from tests.support.browser import session_client
from transactions import unit_of_work


def test_company_currency_is_a_real_default(app, admin, make_user, api) -> None:
    manager = make_user("seller@example.com")
    assign(api, "manager", user_id=manager.id)
    seller = session_client(app, manager)
    assert seller.get("/settings/company").status_code == 403
    assert 'id="settings-link"' not in seller.get("/").get_data(as_text=True)

    office = make_user("office@example.com")  # the CRM's administrator role: not a portal admin
    assign(api, "administrator", user_id=office.id)
    boss = session_client(app, office)
    home = boss.get("/").get_data(as_text=True)
    assert 'id="settings-link"' in home and 'href="/settings/company"' in home
    bad = boss.post("/settings/company", data={"currency": "euro"})
    assert bad.status_code == 422 and "three-letter currency code" in bad.get_data(as_text=True)
    assert boss.post("/settings/company", data={"currency": "chf"}).status_code == 302
    assert 'value="CHF"' in boss.get("/settings/company").get_data(as_text=True)

    form = seller.get("/deals/new").get_data(as_text=True)
    assert re.search(r'id="f-currency" name="currency" value="CHF"', form)
    assert seller.post("/deals/new", data={"title": "Prefilled", "stage": "NEW", "currency": "CHF",
                                           "responsible_id": str(manager.id)}).status_code == 302


def test_reference_type_ahead_follows_rights(app, admin, make_user, api) -> None:
    manager = make_user("picker@example.com")
    assign(api, "manager", user_id=manager.id)
    with unit_of_work():
        own = create_record("company", {"title": "Acme North", "responsible_id": manager.id}, actor=admin)
        create_record("company", {"title": "Acme South", "responsible_id": admin.id}, actor=admin)
        create_record("company", {"title": "Globex", "responsible_id": manager.id}, actor=admin)
    seller = session_client(app, manager)
    menu = seller.get("/lookups/companies?q=acme").get_data(as_text=True)
    assert re.findall(r'data-ref-pick="(\d+)"', menu) == [str(own.id)]  # Acme South is not his
    assert "Globex" not in menu

    form = seller.get("/deals/new").get_data(as_text=True)
    assert 'hx-get="/lookups/companies"' in form and 'name="company_id"' in form and "Acme" not in form
    with unit_of_work():
        deal = create_record("deal", {"title": "Linked", "company_id": own.id, "responsible_id": manager.id},
                             actor=admin)
    edit = seller.get(f"/deals/{deal.id}/edit").get_data(as_text=True)
    assert f'name="company_id" value="{own.id}"' in edit and 'value="Acme North"' in edit
