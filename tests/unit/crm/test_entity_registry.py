"""The entity registry (crm/entities.py) is the one list of entity types: every model with access
attributes is registered, each entry is complete, and the lists elsewhere derive from it."""
from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest
from flask import Flask

from crm.entities import ENTITIES, REGISTRY, STATUS_FIELDS, Entity, Hooks, entry, names, record_title
from extensions import db

ROOT = Path(__file__).resolve().parents[3]
SOURCES = ("crm", "engine", "mail", "org", "web", "app.py", "cli.py", "demo.py")
# Per-entity data that is presentation, not a list of types: the columns of each record list page.
ALLOWED = {"web/pages/records.py": "COLUMNS"}


def _models() -> list[type]:
    import crm.search.models  # noqa: F401  (every table, whatever the tests imported before)
    import engine.models  # noqa: F401
    import mail.models  # noqa: F401

    return [m.class_ for m in db.Model.registry.mappers]


def test_every_model_with_access_attributes_is_registered():
    """A table with the access attributes is an entity, unless it points at records of others
    (an `entity` column: the search index, which copies them)."""
    with_access = {m for m in _models() if {"responsible_id", "dept_path"} <= set(m.__table__.c.keys())
                   and "entity" not in m.__table__.c}
    assert with_access == {e.model for e in REGISTRY.values()}
    for model in with_access:
        assert REGISTRY[model.entity].model is model


@pytest.mark.parametrize("spec", list(REGISTRY.values()), ids=list(REGISTRY))
def test_each_entry_is_complete(spec: Entity):
    columns = set(spec.model.__table__.c.keys())
    assert spec.model.entity == spec.name
    assert spec.plural and spec.label and spec.icon.startswith("bi-")
    assert {f.name for f in spec.fields if f.kind != "emails"} <= columns  # e-mails: record_email rows
    assert set(spec.title_fields) <= columns
    assert spec.status_field is None or spec.status_field in columns
    assert not spec.status_rights or spec.status_field
    assert set(spec.read_only) | set(spec.export_extra) <= columns
    assert set(spec.converts_to) <= set(ENTITIES)
    for line in spec.search_lines:
        if line == "emails":
            assert spec.has_emails
        elif line != "phones":
            assert set(line.split()) <= columns, line
    if spec.record:
        assert "<n>" in spec.mail_pattern
    if spec.owners is not None:
        assert callable(spec.owners.sql) and callable(spec.owners.check)
    for hook in ("get", "select", "create", "data"):
        fn = spec.hook(hook)
        assert callable(fn), hook
        params = inspect.signature(fn).parameters
        if hook == "data":  # called with the record alone
            assert list(params)[0] in ("record", spec.name), params
        else:
            assert "actor" in params and list(params)[0] != "entity_name", hook


def test_names_and_codes_are_unique():
    for attr in ("plural", "search_code", "icon", "label"):
        values = [getattr(e, attr) for e in REGISTRY.values()]
        assert len(values) == len(set(values)), attr


def test_a_task_is_an_entity_with_its_own_services():
    task = REGISTRY["task"]
    assert not task.record and "task" not in ENTITIES
    assert task.owners is not None  # creator and observers own a task too
    assert task.hook("get").__module__ == "crm.services.tasks"
    assert entry("tasks") is task and entry("lead") is REGISTRY["lead"]
    assert names() == "lead, contact, company, deal, task"
    assert names(records_only=True) == "lead, contact, company, deal"
    assert isinstance(task.hooks, Hooks) and not task.hooks.takes_entity
    with pytest.raises(KeyError):
        entry("ship")


def test_record_title_of_rows_and_records():
    class Row:
        id = 7
        first_name, last_name, title = "Ann", "", ""

    assert record_title(Row(), "contact") == "Ann"
    assert record_title(Row(), "task") == "Task #7"


def test_lists_elsewhere_derive_from_the_registry():
    from crm import attributes
    from crm.rights import models as rights
    from crm.search import index
    from crm.search.models import ENTITY_CODES
    from engine import spiff_adapter
    from engine.activities import crm_records
    from mail.services import matching, received, recipients, settings
    from web.pages import search as search_page
    from web.routes import EntitiesConverter, RecordsConverter

    assert rights.ENTITIES == tuple(REGISTRY)
    assert rights.STATUS_FIELDS == STATUS_FIELDS == {"lead": "status", "deal": "stage"}
    assert ENTITY_CODES == {n: e.search_code for n, e in REGISTRY.items()}
    assert spiff_adapter.RECORD_ENTITIES == tuple(REGISTRY)
    assert crm_records.RECORD_ENTITIES == tuple(ENTITIES)
    assert [t.name for t in crm_records.CREATE_TOPICS] == [f"crm.create_{n}" for n in ENTITIES]
    assert recipients.MAIL_ENTITIES == tuple(ENTITIES)
    assert matching.ADDRESS_ENTITIES == received.FILED_ENTITIES == ("lead", "contact", "company")
    assert set(settings.DEFAULT_PATTERNS) == set(ENTITIES)
    assert set(search_page.ICONS) == set(REGISTRY) | {"file"}  # drive files are found too
    assert attributes._tables() == [e.model for e in REGISTRY.values()]
    url_map = Flask(__name__).url_map
    assert RecordsConverter(url_map).items == {e.plural for e in ENTITIES.values()}
    assert EntitiesConverter(url_map).items == {e.plural for e in REGISTRY.values()}
    # What the index re-reads when a title others show changes, derived from the search lines.
    assert index.DEPENDENTS == {"company": {"title": (("contact", "company_id"), ("deal", "company_id"))},
                                "contact": {"first_name": (("deal", "contact_id"),),
                                            "last_name": (("deal", "contact_id"),)}}


def _python_files() -> list[Path]:
    out = []
    for name in SOURCES:
        path = ROOT / name
        out += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return [p for p in out if p.relative_to(ROOT).as_posix() != "crm/entities.py"]


def _entity_words() -> set[str]:
    return {w for e in REGISTRY.values() for w in (e.name, e.plural)}


def _listed(node: ast.AST, words: set[str]) -> int:
    """How many entity names a tuple/list/set literal or a dict's keys spell out."""
    items = node.keys if isinstance(node, ast.Dict) else getattr(node, "elts", [])
    return len({i.value for i in items if isinstance(i, ast.Constant) and i.value in words})


def _assigned_names(tree: ast.Module, node: ast.AST) -> set[str]:
    """Names of the module-level assignments whose value is `node`."""
    return {t.id for a in tree.body if isinstance(a, ast.Assign) and a.value is node
            for t in a.targets if isinstance(t, ast.Name)}


def test_no_module_restates_the_list_of_entity_types():
    words, found = _entity_words(), []
    for path in _python_files():
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, (ast.Tuple, ast.List, ast.Set, ast.Dict)) and _listed(node, words) >= 3:
                if ALLOWED.get(path.relative_to(ROOT).as_posix()) not in _assigned_names(tree, node):
                    found.append(f"{where} lists entity types")
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and "<any(" in node.value \
                    and any(f"{w}," in node.value or f",{w})" in node.value for w in words):
                found.append(f"{where} routes entity types by name")
            if isinstance(node, ast.Compare) and any(
                    isinstance(c, ast.Constant) and c.value == "task" for c in node.comparators):
                found.append(f"{where} branches on the task entity")
    assert not found, "Derive these from crm.entities.REGISTRY:\n" + "\n".join(found)
