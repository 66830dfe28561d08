"""The entity registry: one entry per CRM entity (lead, contact, company, deal, task).

An entry says everything that differs between entities: model, API/page names, fields, title,
status column, search body, who else owns a record, and the service hooks (dotted names,
resolved on first use so services may import this module). Every list of entity types
elsewhere derives from REGISTRY; adding an entity is one entry here plus what is really
special about it (a migration, its FTS5 table, its own services if the generic record ones do
not fit). docs/entities.md walks through it.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from crm.models import Company, Contact, CrmTask, Deal, Lead
from crm.ownership import CREATOR_AND_OBSERVERS, Owners
from crm.states import FieldKind


@dataclass(frozen=True)
class Field:
    name: str
    kind: FieldKind  # given as its string; an unknown kind fails at import
    label: str
    required: bool = False
    max_length: int | None = None
    ref: str | None = None  # the entity (or "user") a ref field points at
    sortable: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", FieldKind(self.kind))


@dataclass(frozen=True)
class Hooks:
    """Service functions as "module:function"; with `takes_entity`, all but `data` (which gets the
    record alone) are called with the entity name first.

    get(record_id, *, actor) -> a record the actor may read (NotFound otherwise)
    select(*, actor, filters) -> a Select of the readable rows, list filters applied
    create(data, *, actor, right) -> the new record
    data(record) -> the record as JSON-clean data (process variables, trigger conditions)
    """

    get: str
    select: str
    create: str
    data: str
    takes_entity: bool = False


RECORD_HOOKS = Hooks(get="crm.services.records:get_record", select="crm.services.records:select_records",
                     create="crm.services.records:create_record", data="crm.serialize:record_to_dict",
                     takes_entity=True)
TASK_HOOKS = Hooks(get="crm.services.tasks:get_task", select="crm.services.tasks:select_tasks",
                   create="crm.services.tasks:create_one_task", data="crm.serialize_tasks:task_data")


@dataclass(frozen=True)
class Entity:
    name: str
    plural: str
    label: str
    model: type
    fields: tuple[Field, ...]
    icon: str  # Bootstrap icon of its pages and search hits
    search_code: int  # its id range in the search index (crm/search/models.py); never reuse one
    # What the search body holds, in order: a column, "a b" (columns joined by a space), a ref
    # field (the referenced record's title), "emails", "phones" (crm/search/documents.py).
    search_lines: tuple[str, ...]
    hooks: Hooks = RECORD_HOOKS
    status_field: str | None = None
    status_rights: bool = False  # rights may differ per value of status_field (crm/rights)
    title_fields: tuple[str, ...] = ("title",)
    # A generic CRM record: crm/services/records.py, e-mail addresses, timeline, record pages
    # and /api/v1/<plural>. False: the entity brings its own services, pages and API.
    record: bool = True
    owners: Owners | None = None  # owners besides the responsible (crm/ownership.py)
    converts_to: tuple[str, ...] = ()  # what a conversion creates from it (crm/services/conversion.py)
    mail_pattern: str = ""  # default marker in mail subjects that files a reply on the record
    read_only: tuple[str, ...] = ()  # columns shown (API, export) but never set through the fields
    export_extra: tuple[str, ...] = ("created_by_id", "created_at", "updated_at")

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def sortable(self) -> list[str]:
        return ["id", "created_at", "updated_at"] + [f.name for f in self.fields if f.sortable]

    @property
    def label_plural(self) -> str:
        return self.plural.capitalize()

    @property
    def has_emails(self) -> bool:
        return any(f.kind == FieldKind.EMAILS for f in self.fields)

    @property
    def export_columns(self) -> list[str]:
        return ["id", *[f.name for f in self.fields], *self.export_extra]

    def hook(self, name: str) -> Callable:
        """The service function `name` of Hooks, bound to this entity where it takes one."""
        module, _, func = getattr(self.hooks, name).partition(":")
        fn = getattr(importlib.import_module(module), func)
        return partial(fn, self.name) if self.hooks.takes_entity and name != "data" else fn


def _s(name: str, label: str, *, required: bool = False, length: int = 255, sortable: bool = False) -> Field:
    return Field(name, "str", label, required=required, max_length=length, sortable=sortable)


RESPONSIBLE = Field("responsible_id", "ref", "Responsible", ref="user", sortable=True)
EMAILS = Field("emails", "emails", "E-mails")
PHONES = Field("phones", "phones", "Phones")
AMOUNT = Field("amount", "decimal", "Amount", sortable=True)
CURRENCY = Field("currency", "currency", "Currency", max_length=3)
TITLE = Field("title", "str", "Title", required=True, max_length=255, sortable=True)
DO_NOT_EMAIL = Field("do_not_email", "bool", "Do not email")  # bulk mail skips the record

REGISTRY: dict[str, Entity] = {e.name: e for e in (
    Entity("lead", "leads", "Lead", Lead, (
        TITLE, _s("first_name", "First name", length=100),
        _s("last_name", "Last name", length=100), _s("company_name", "Company name"),
        EMAILS, PHONES, Field("status", "status", "Status", sortable=True),
        _s("source", "Source", length=100), AMOUNT, CURRENCY,
        Field("comments", "text", "Comments"), RESPONSIBLE, DO_NOT_EMAIL,
    ), "bi-funnel", 1, ("first_name last_name", "company_name", "source", "emails", "phones", "comments"),
        status_field="status", status_rights=True, converts_to=("contact", "company", "deal"),
        mail_pattern="LID#<n>"),
    Entity("contact", "contacts", "Contact", Contact, (
        _s("first_name", "First name", length=100, sortable=True),
        _s("last_name", "Last name", required=True, length=100, sortable=True),
        EMAILS, PHONES, _s("position", "Position", length=200),
        Field("company_id", "ref", "Company", ref="company"), RESPONSIBLE, DO_NOT_EMAIL,
    ), "bi-person-vcard", 2, ("position", "company_id", "emails", "phones"),
        title_fields=("first_name", "last_name"), read_only=("lead_id",), mail_pattern="CID#<n>"),
    Entity("company", "companies", "Company", Company, (
        TITLE, EMAILS, PHONES, _s("industry", "Industry", length=100, sortable=True),
        RESPONSIBLE, DO_NOT_EMAIL,
    ), "bi-buildings", 3, ("industry", "emails", "phones"), read_only=("lead_id",), mail_pattern="COID#<n>"),
    Entity("deal", "deals", "Deal", Deal, (
        TITLE, Field("pipeline_id", "ref", "Pipeline", ref="pipeline"),
        Field("stage", "status", "Stage", sortable=True), AMOUNT, CURRENCY,
        Field("contact_id", "ref", "Contact", ref="contact"),
        Field("company_id", "ref", "Company", ref="company"), Field("lead_id", "ref", "Lead", ref="lead"),
        RESPONSIBLE,
    ), "bi-briefcase", 4, ("company_id", "contact_id", "phones"),
        status_field="stage", status_rights=True, read_only=("closed",), mail_pattern="DID#<n>"),
    # Tasks have their own services (observers, links to many records) and API; their status
    # is open/done (crm/states.py), the same for every portal.
    Entity("task", "tasks", "Task", CrmTask, (
        TITLE, Field("description", "text", "Description"), Field("deadline", "datetime", "Deadline"),
        Field("status", "status", "Status"), RESPONSIBLE,
    ), "bi-check2-square", 5, ("description",), hooks=TASK_HOOKS, status_field="status",
        record=False, owners=CREATOR_AND_OBSERVERS,
        export_extra=("created_by_id", "created_at", "completed_at")),
)}

# The generic CRM records (crm/services/records.py): every entry with record=True.
ENTITIES: dict[str, Entity] = {n: e for n, e in REGISTRY.items() if e.record}
# Rights per status (lead status, deal stage): the entity and its status column.
STATUS_FIELDS: dict[str, str] = {n: e.status_field for n, e in REGISTRY.items() if e.status_rights}
BY_PLURAL = {e.plural: e for e in ENTITIES.values()}


def entity(name: str) -> Entity:
    """The entity by name or plural; KeyError names the unknown entity."""
    if name in ENTITIES:
        return ENTITIES[name]
    if name in BY_PLURAL:
        return BY_PLURAL[name]
    raise KeyError(name)


def entry(name: str) -> Entity:
    """Any registered entity (records and tasks) by name or plural; KeyError names it."""
    if name in REGISTRY:
        return REGISTRY[name]
    found = next((e for e in REGISTRY.values() if e.plural == name), None)
    if found is None:
        raise KeyError(name)
    return found


def names(*, records_only: bool = False) -> str:
    """"lead, contact, company, deal, task" for messages."""
    return ", ".join(ENTITIES if records_only else REGISTRY)


def record_title(record: object, entity: str | None = None) -> str:
    """The record's display title (a model instance or a table row, with `entity` given)."""
    spec = REGISTRY.get(entity or getattr(record, "entity", ""))
    if spec is None:
        return str(getattr(record, "title", ""))
    parts = [str(getattr(record, f, "") or "") for f in spec.title_fields]
    return " ".join(p for p in parts if p) or f"{spec.label} #{record.id}"
