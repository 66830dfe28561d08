"""The access settings pages: roles, the matrix form, assignments and "why can they see it?"."""
from __future__ import annotations

from tests.support.access_world import assign, make_person, role_id
from tests.support.browser import session_client


def _browser(app, user):
    return session_client(app, user)


def test_roles_pages_edit_the_matrix_and_assignments(app, admin, api):
    browser = _browser(app, admin)
    html = browser.get("/settings/roles").get_data(as_text=True)
    for name in ("Manager", "Head of department", "Chief executive", "Administrator"):
        assert name in html
    r = browser.post("/settings/roles", data={"name": "Closers"})
    assert r.status_code == 302
    rid = int(r.headers["Location"].rsplit("/", 1)[1])
    page = browser.get(f"/settings/roles/{rid}").get_data(as_text=True)
    assert 'name="m.deal.read"' in page and 'name="s.deal.read.WON"' in page
    form = {"name": "Closers", "m.deal.read": "own", "m.deal.edit": "own", "s.deal.read.WON": "all",
            "s.deal.edit.WON": "none", "can_change_settings": "on"}
    assert browser.post(f"/settings/roles/{rid}", data=form).status_code == 302
    role = api.get(f"/roles/{rid}").json
    assert role["matrix"]["deal"] == {"read": "own", "add": "none", "edit": "own", "delete": "none",
                                      "export": "none", "import": "none"}
    assert role["status_levels"] == {"deal": {"read": {"WON": "all"}, "edit": {"WON": "none"}}}
    assert role["can_change_settings"] is True and role["is_default"] is False
    r = browser.post(f"/settings/roles/{rid}", data={**form, "m.lead.read": "most"})
    assert r.status_code == 422 and "matrix.lead.read" in r.get_data(as_text=True)
    user = make_person("someone", None)
    browser.post(f"/settings/roles/{rid}/assignments", data={"target": f"user:{user.id}"})
    [assignment] = api.get(f"/roles/{rid}").json["assignments"]
    assert assignment["user_id"] == user.id
    assert "someone Tester" in browser.get(f"/settings/roles/{rid}").get_data(as_text=True)
    browser.post(f"/settings/roles/{rid}/assignments/{assignment['id']}/delete")
    assert api.get(f"/roles/{rid}").json["assignments"] == []
    browser.post(f"/settings/roles/{rid}/delete")
    assert api.get(f"/roles/{rid}").status_code == 404


def test_explain_page(app, admin, api):
    manager, other = make_person("manager", None), make_person("other", None)
    lead = api.post("/leads", {"title": "x", "responsible_id": other.id}).json["id"]
    browser = _browser(app, admin)
    html = browser.get(f"/settings/access/explain?user={manager.id}&entity=lead&id={lead}&action=read")
    text = html.get_data(as_text=True)
    assert html.status_code == 200 and 'data-allowed="no"' in text and "Manager" in text
    assert browser.get("/settings/access/explain?user=999&entity=lead").status_code == 422


def test_access_pages_need_the_settings_right(app, api):
    manager = make_person("manager", None)
    browser = _browser(app, manager)
    for url in ("/settings/roles", f"/settings/roles/{role_id('manager')}", "/settings/access/explain"):
        assert browser.get(url).status_code == 403, url
    assert browser.post("/settings/roles", data={"name": "x"}).status_code == 403
    holder = make_person("holder", None)
    assign(api, "administrator", user_id=holder.id)
    assert _browser(app, holder).get("/settings/roles").status_code == 200


def test_settings_link_only_for_those_who_may_change_settings(app, admin):
    manager = make_person("plain", None)
    assert 'href="/settings/roles"' in _browser(app, admin).get("/").get_data(as_text=True)
    assert 'href="/settings/roles"' not in _browser(app, manager).get("/").get_data(as_text=True)
