"""CRM records and tasks, their e-mail addresses, status lists and timelines (the entity registry:
crm/entities.py)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from extensions import NEVER_REUSE_IDS, db
from org.models import utcnow


class RecordMixin:
    """Columns every CRM record has, including its indexed access attributes."""

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    phones: Mapped[list] = mapped_column(JSON, default=list)
    # Optimistic locking: every flushed change bumps it and updates only the version it read
    # (UPDATE ... WHERE version = :v), so a concurrent change is refused, never lost.
    version: Mapped[int] = mapped_column(default=1, server_default=text("1"))

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.__table__.c.version}

    @declared_attr
    def responsible_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("user_account.id"), index=True)

    @declared_attr
    def created_by_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("user_account.id"))

    @declared_attr
    def dept_path(cls) -> Mapped[str]:
        # The responsible's primary department path, e.g. "/1/4/"; "" when none.
        return mapped_column(String(500), default="", index=True)


class Lead(RecordMixin, db.Model):
    __tablename__ = "lead"
    __table_args__ = NEVER_REUSE_IDS
    entity = "lead"

    title: Mapped[str] = mapped_column(String(255))
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    company_name: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(32), default="NEW", index=True)
    source: Mapped[str] = mapped_column(String(100), default="")
    amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    currency: Mapped[str] = mapped_column(String(3), default="")
    comments: Mapped[str] = mapped_column(Text, default="")
    do_not_email: Mapped[bool] = mapped_column(default=False, server_default=false())  # bulk mail skips it


class Company(RecordMixin, db.Model):
    __tablename__ = "company"
    __table_args__ = NEVER_REUSE_IDS
    entity = "company"

    title: Mapped[str] = mapped_column(String(255))
    industry: Mapped[str] = mapped_column(String(100), default="")
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("lead.id", ondelete="SET NULL"))
    do_not_email: Mapped[bool] = mapped_column(default=False, server_default=false())  # bulk mail skips it


class Contact(RecordMixin, db.Model):
    __tablename__ = "contact"
    __table_args__ = NEVER_REUSE_IDS
    entity = "contact"

    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100))
    position: Mapped[str] = mapped_column(String(200), default="")
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("company.id", ondelete="SET NULL"), index=True
    )
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("lead.id", ondelete="SET NULL"))
    do_not_email: Mapped[bool] = mapped_column(default=False, server_default=false())  # bulk mail skips it


class Deal(RecordMixin, db.Model):
    __tablename__ = "deal"
    entity = "deal"

    title: Mapped[str] = mapped_column(String(255))
    stage: Mapped[str] = mapped_column(String(32), default="NEW", index=True)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    currency: Mapped[str] = mapped_column(String(3), default="")
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="SET NULL"), index=True
    )
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("company.id", ondelete="SET NULL"), index=True
    )
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("lead.id", ondelete="SET NULL"))
    closed: Mapped[bool] = mapped_column(default=False)
    # Its pipeline (crm/services/pipelines.py); the stage is one of that pipeline's stages.
    pipeline_id: Mapped[int | None] = mapped_column(ForeignKey("crm_pipeline.id"))

    # The board: a column's newest cards, and its count and amount total read from the index alone.
    __table_args__ = (Index("ix_deal_board", "pipeline_id", "stage", "id"),
                      Index("ix_deal_board_totals", "pipeline_id", "stage", "currency", "amount",
                            "responsible_id", "dept_path"), NEVER_REUSE_IDS)


class RecordEmail(db.Model):
    """E-mail addresses of every record type, lower-cased: mail matching looks them up."""

    __tablename__ = "record_email"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[int]
    email: Mapped[str] = mapped_column(String(320), index=True)
    position: Mapped[int] = mapped_column(default=0)

    __table_args__ = (Index("ix_record_email_record", "entity", "record_id"),)


class Pipeline(db.Model):
    """A sequence of deal stages ("Sales", "Partners"); each deal runs through one of them."""

    __tablename__ = "crm_pipeline"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    sort: Mapped[int] = mapped_column(default=0)
    # The pipeline new deals get when none is named (the stages that existed before pipelines).
    is_default: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The process that walks its deals through the stages ("Perform in stages" for the default
    # pipeline when None; no such process for the others when None): engine/triggers.py.
    process_key: Mapped[str | None] = mapped_column(String(255))


class StatusValue(db.Model):
    """Lead statuses and deal stages: data, so a company can rename or add values."""

    __tablename__ = "crm_status"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    sort: Mapped[int] = mapped_column(default=0)
    # open | won | lost | converted | junk: what the platform itself relies on.
    semantic: Mapped[str] = mapped_column(String(16), default="open")
    # Deal stages belong to one pipeline; codes stay unique per entity, so a stage code alone
    # still names one stage everywhere (events, rights per status, processes).
    pipeline_id: Mapped[int | None] = mapped_column(ForeignKey("crm_pipeline.id"), index=True)

    __table_args__ = (UniqueConstraint("entity", "code", name="uq_crm_status_entity_code"),)


class TimelineEntry(db.Model):
    """One line of a record's history: creation, change, comment, task, mail, process."""

    __tablename__ = "timeline_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[int]
    kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    summary: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)

    __table_args__ = (Index("ix_timeline_record", "entity", "record_id", "id"),)


class CrmTask(db.Model):
    __tablename__ = "crm_task"
    __table_args__ = NEVER_REUSE_IDS
    entity = "task"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    deadline: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    dept_path: Mapped[str] = mapped_column(String(500), default="", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    completed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1, server_default=text("1"))  # as RecordMixin's

    __mapper_args__ = {"version_id_col": version}


class TaskObserver(db.Model):
    __tablename__ = "crm_task_observer"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("crm_task.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)

    __table_args__ = (UniqueConstraint("task_id", "user_id", name="uq_task_observer"),)


class TaskLink(db.Model):
    """A record a task is about (one task may concern many records)."""

    __tablename__ = "crm_task_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("crm_task.id", ondelete="CASCADE"), index=True)
    entity: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[int]

    __table_args__ = (Index("ix_task_link_record", "entity", "record_id"),)



class StageHistory(db.Model):
    """One entry of a lead's status or a deal's stage (the funnel's time in each stage): written
    with the change, in its transaction (crm.events.record_change)."""

    __tablename__ = "stage_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[int]
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the record moved on (None: still there), so a stay's length needs no window function.
    left_at: Mapped[datetime | None]

    # Covering: the funnel reads a record's stages and their times from the index alone.
    __table_args__ = (Index("ix_stage_history_record", "entity", "record_id", "to_status", "changed_at",
                            "left_at"),)


class DedupeKey(db.Model):
    """A record's normalised e-mail, phone, name or title key (crm/dedupe.py): duplicates are
    records of one entity sharing a (kind, key), found by the index, never by a scan."""

    __tablename__ = "dedupe_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(320))

    # record_id last: a lookup reads only the index, already in record order
    __table_args__ = (Index("ix_dedupe_key_lookup", "entity", "kind", "key", "record_id"),
                      Index("ix_dedupe_key_record", "entity", "record_id"))


class ImportJob(db.Model):
    """An import of a CSV or XLSX file's rows, mapped to fields, run in the background in batches
    (crm/services/imports.py); `processed` rows are committed, so a rerun resumes after them."""

    __tablename__ = "crm_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft|queued|running|done
    filename: Mapped[str] = mapped_column(String(255), default="")
    header: Mapped[list] = mapped_column(JSON, default=list)
    rows: Mapped[list] = mapped_column(JSON, default=list)  # text cells; row n of the file is rows[n - 2]
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)  # column index (text) -> field name
    on_duplicate: Mapped[str] = mapped_column(String(8), default="skip")  # skip | create
    total: Mapped[int] = mapped_column(default=0)
    processed: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    report: Mapped[list] = mapped_column(JSON, default=list)  # [{row, field, message}]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                                      index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # untouched for a minute while queued or running: beat starts its task again
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None]
