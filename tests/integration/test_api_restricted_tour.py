"""An ordinary employee's API token (the default Manager role) reads every collection of /api/v1
the OpenAPI document lists, without parameters, on the demo data: no answer may be a server
error. (The schemathesis run fuzzes every operation, but as an administrator in admin mode.)"""
from __future__ import annotations


def test_restricted_token_gets_every_collection_without_server_error(app, admin, api_for):
    from demo import seed_demo_data
    from engine.install import install_standard_processes
    from org.services.users import find_user
    from transactions import unit_of_work

    with unit_of_work():
        seed_demo_data(admin)
        install_standard_processes()
    employee = api_for(find_user("mia.costa@example.com"))
    document = employee.get("/openapi.json")
    assert document.status_code == 200
    collections = [path for path, operations in document.json["paths"].items()
                   if "get" in operations and "{" not in path]
    answers = {path: employee.get(path).status_code for path in collections}
    assert len(answers) > 20  # the whole document, not a part of it
    failed = {path: status for path, status in answers.items() if status >= 500}
    assert not failed, f"server errors for a restricted token: {failed}"
    assert answers["/leads"] == 200
