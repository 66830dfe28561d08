"""What each record type holds: one description drives validation, the API, forms and docs."""
from __future__ import annotations

from dataclasses import dataclass, field

from crm.models import MODELS


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # str | text | decimal | currency | ref | emails | phones | status | bool
    label: str
    required: bool = False
    max_length: int | None = None
    ref: str | None = None  # the entity (or "user") a ref field points at
    sortable: bool = False


@dataclass(frozen=True)
class Entity:
    name: str
    plural: str
    label: str
    fields: tuple[Field, ...]
    status_field: str | None = None
    title_fields: tuple[str, ...] = ("title",)
    extra: dict = field(default_factory=dict)

    @property
    def model(self) -> type:
        return MODELS[self.name]

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def sortable(self) -> list[str]:
        return ["id", "created_at", "updated_at"] + [f.name for f in self.fields if f.sortable]


def _s(name: str, label: str, *, required: bool = False, length: int = 255, sortable: bool = False) -> Field:
    return Field(name, "str", label, required=required, max_length=length, sortable=sortable)


RESPONSIBLE = Field("responsible_id", "ref", "Responsible", ref="user", sortable=True)
EMAILS = Field("emails", "emails", "E-mails")
PHONES = Field("phones", "phones", "Phones")
AMOUNT = Field("amount", "decimal", "Amount", sortable=True)
CURRENCY = Field("currency", "currency", "Currency", max_length=3)
DO_NOT_EMAIL = Field("do_not_email", "bool", "Do not email")  # bulk mail skips the record

ENTITIES: dict[str, Entity] = {
    "lead": Entity("lead", "leads", "Lead", (
        _s("title", "Title", required=True, sortable=True), _s("first_name", "First name", length=100),
        _s("last_name", "Last name", length=100), _s("company_name", "Company name"),
        EMAILS, PHONES, Field("status", "status", "Status", sortable=True),
        _s("source", "Source", length=100), AMOUNT, CURRENCY,
        Field("comments", "text", "Comments"), RESPONSIBLE, DO_NOT_EMAIL,
    ), status_field="status"),
    "contact": Entity("contact", "contacts", "Contact", (
        _s("first_name", "First name", length=100, sortable=True),
        _s("last_name", "Last name", required=True, length=100, sortable=True),
        EMAILS, PHONES, _s("position", "Position", length=200),
        Field("company_id", "ref", "Company", ref="company"), RESPONSIBLE, DO_NOT_EMAIL,
    ), title_fields=("first_name", "last_name")),
    "company": Entity("company", "companies", "Company", (
        _s("title", "Title", required=True, sortable=True), EMAILS, PHONES,
        _s("industry", "Industry", length=100, sortable=True), RESPONSIBLE, DO_NOT_EMAIL,
    )),
    "deal": Entity("deal", "deals", "Deal", (
        _s("title", "Title", required=True, sortable=True), Field("stage", "status", "Stage", sortable=True),
        AMOUNT, CURRENCY, Field("contact_id", "ref", "Contact", ref="contact"),
        Field("company_id", "ref", "Company", ref="company"), Field("lead_id", "ref", "Lead", ref="lead"),
        RESPONSIBLE,
    ), status_field="stage"),
}

BY_PLURAL = {e.plural: e for e in ENTITIES.values()}


def entity(name: str) -> Entity:
    """The entity by name or plural; KeyError names the unknown entity."""
    if name in ENTITIES:
        return ENTITIES[name]
    if name in BY_PLURAL:
        return BY_PLURAL[name]
    raise KeyError(name)


def record_title(record: object) -> str:
    spec = ENTITIES.get(getattr(record, "entity", ""))
    if spec is None:
        return str(getattr(record, "title", ""))
    parts = [str(getattr(record, f, "") or "") for f in spec.title_fields]
    return " ".join(p for p in parts if p) or f"{spec.label} #{record.id}"
