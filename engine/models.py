"""Engine tables: definitions, versions, instances, human tasks, timers, message waits, logs."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.states import HumanTaskState, InstanceStatus
from extensions import NEVER_REUSE_IDS, db
from org.models import utcnow

INSTANCE_STATUSES = tuple(InstanceStatus)
HUMAN_TASK_STATES = tuple(HumanTaskState)


class ProcessDefinition(db.Model):
    """A process key (the BPMN process id); its versions hold the diagrams."""

    __tablename__ = "process_definition"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Archived: no triggers, no manual start, hidden from the list; running instances go on.
    archived_at: Mapped[datetime | None] = mapped_column(default=None)

    versions: Mapped[list[ProcessVersion]] = relationship(
        back_populates="definition", order_by="ProcessVersion.number")


class ProcessDraft(db.Model):
    """A diagram saved from the designer that starts nothing until it is published (one per key)."""

    __tablename__ = "process_draft"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    bpmn: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    # What would stop it from being published, as the upload answers it: [{element, message}]
    problems: Mapped[list] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class ProcessVersion(db.Model):
    """One uploaded diagram: the file as uploaded, its parsed spec (stored once), its triggers."""

    __tablename__ = "process_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(
        ForeignKey("process_definition.id", ondelete="CASCADE"))
    number: Mapped[int]
    process_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255), default="")
    # The two big columns load only when used (the runtime caches specs by version).
    bpmn: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    bpmn_sha256: Mapped[str] = mapped_column(String(64), index=True)
    spec_blob: Mapped[str] = mapped_column(Text, deferred=True)
    # [{message, entity, action, fields, condition, element_id}]
    triggers: Mapped[list] = mapped_column(JSON, default=list)
    # camunda:versionTag of the process (call activities may bind to it)
    version_tag: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    definition: Mapped[ProcessDefinition] = relationship(back_populates="versions")

    __table_args__ = (
        UniqueConstraint("definition_id", "number", name="uq_process_version_definition_number"),
    )


class ProcessInstance(db.Model):
    """A running (or finished) process about one record; state holds no spec."""

    __tablename__ = "process_instance"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"))
    status: Mapped[str] = mapped_column(String(16), default="running")
    entity: Mapped[str | None] = mapped_column(String(16))
    entity_id: Mapped[int | None]
    start_event_id: Mapped[str | None] = mapped_column(String(36))
    state: Mapped[str] = mapped_column(Text, default="")
    lock_version: Mapped[int] = mapped_column(default=1)
    error_element: Mapped[str | None] = mapped_column(String(255))
    error_message: Mapped[str | None] = mapped_column(Text)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    depth: Mapped[int] = mapped_column(default=0)
    # A call activity's child: the calling instance, the call task and its element.
    parent_instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("process_instance.id", ondelete="SET NULL"), index=True)
    parent_task_uuid: Mapped[str | None] = mapped_column(String(36))
    parent_element_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    completed_at: Mapped[datetime | None]
    # Camunda's business key: set at start or by the first message correlated with one.
    business_key: Mapped[str | None] = mapped_column(String(255), index=True)

    version: Mapped[ProcessVersion] = relationship()

    __mapper_args__ = {"version_id_col": lock_version}
    __table_args__ = (
        UniqueConstraint("version_id", "start_event_id", name="uq_process_instance_version_event"),
        Index("ix_process_instance_record", "entity", "entity_id"),
        Index("ix_process_instance_status", "status"),
        NEVER_REUSE_IDS,  # timeline entries and outbox events name instances by id
    )


class HumanTask(db.Model):
    """A user task, denormalised for the inbox: the inbox never loads a workflow."""

    __tablename__ = "human_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("process_instance.id", ondelete="CASCADE"))
    task_uuid: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255), default="")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    entity: Mapped[str | None] = mapped_column(String(16))
    entity_id: Mapped[int | None]
    # [{id, type, label, default, required, options: [{id, name}], min, max}]
    form: Mapped[list] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(16), default="open")
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    data: Mapped[dict | None] = mapped_column(JSON)
    due_at: Mapped[datetime | None]
    # A Camunda Form (form-js) shown instead of `form` (camunda:formRef / camunda-forms: formKey).
    camunda_form_id: Mapped[int | None] = mapped_column(ForeignKey("camunda_form.id", ondelete="SET NULL"))
    # The process variables that form's fields start from, taken when the task opened.
    form_input: Mapped[dict | None] = mapped_column(JSON)

    candidates: Mapped[list[HumanTaskCandidate]] = relationship(
        back_populates="human_task", cascade="all, delete-orphan", passive_deletes=True)

    __table_args__ = (
        UniqueConstraint("instance_id", "task_uuid", name="uq_human_task_instance_task"),
        Index("ix_human_task_state_assignee", "state", "assignee_id"),
        Index("ix_human_task_record", "entity", "entity_id"),
    )


class HumanTaskCandidate(db.Model):
    """A candidate user or group key ("department:5", "workgroup:3", "lane:Sales", "group:accounting":
    a name, case-folded, engine.assignment.group_key)."""

    __tablename__ = "human_task_candidate"

    id: Mapped[int] = mapped_column(primary_key=True)
    human_task_id: Mapped[int] = mapped_column(
        ForeignKey("human_task.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    group_key: Mapped[str | None] = mapped_column(String(100), index=True)

    human_task: Mapped[HumanTask] = relationship(back_populates="candidates")


class EngineTimer(db.Model):
    """A due BPMN timer: the truth lives here, beat dispatches those due."""

    __tablename__ = "engine_timer"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    element_id: Mapped[str] = mapped_column(String(255))
    task_uuid: Mapped[str] = mapped_column(String(36))
    due_at: Mapped[datetime]
    fired_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_engine_timer_due", "fired_at", "due_at"),)


class MessageWait(db.Model):
    """An instance waiting for a record event (`deal.updated`) on one record."""

    __tablename__ = "message_wait"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    element_id: Mapped[str] = mapped_column(String(255))
    message_name: Mapped[str] = mapped_column(String(100))
    entity: Mapped[str | None] = mapped_column(String(16))
    entity_id: Mapped[int | None]
    condition: Mapped[str | None] = mapped_column(Text)
    # "message" (record events and named messages) or "signal" (broadcast to every catch).
    kind: Mapped[str] = mapped_column(String(16), default="message", server_default="message")

    __table_args__ = (
        Index("ix_message_wait_lookup", "message_name", "entity", "entity_id"),
    )


class InstanceEvent(db.Model):
    """The per-instance log: task started/completed, who, data changes, errors."""

    __tablename__ = "instance_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    element_id: Mapped[str | None] = mapped_column(String(255))
    actor_id: Mapped[int | None]
    on_behalf_of_id: Mapped[int | None]
    message: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))  # None: SQL NULL, batched or not
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ActivityRun(db.Model):
    """A service-task result, so a retried step reuses it instead of acting twice."""

    __tablename__ = "activity_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("process_instance.id", ondelete="CASCADE"))
    task_uuid: Mapped[str] = mapped_column(String(36))
    topic: Mapped[str] = mapped_column(String(100))
    result: Mapped[dict | list | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("instance_id", "task_uuid", name="uq_activity_run_instance_task"),
    )


class Incident(db.Model):
    """A failed step waiting for an operator: retry, modify the instance, or resolve with a note."""

    __tablename__ = "incident"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"))
    # Denormalised so the operations page filters by process without joining versions.
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id", ondelete="CASCADE"))
    element_id: Mapped[str | None] = mapped_column(String(255))
    element_name: Mapped[str] = mapped_column(String(255), default="")
    kind: Mapped[str] = mapped_column(String(32))  # failedJob, failedExternalTask, stepBudget...
    message: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[str | None] = mapped_column(Text)  # for administrators: the traceback
    retries_left: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | resolved
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    resolution: Mapped[str | None] = mapped_column(Text)  # how: retried, modified, a note

    instance: Mapped[ProcessInstance] = relationship()

    __table_args__ = (
        Index("ix_incident_status_definition", "status", "definition_id", "element_id"),
        Index("ix_incident_instance", "instance_id"),
    )


class InstanceMigration(db.Model):
    """A batch moving instances from one version to another; the client polls its progress."""

    __tablename__ = "instance_migration"

    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id", ondelete="CASCADE"))
    from_version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id", ondelete="CASCADE"))
    to_version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id", ondelete="CASCADE"))
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)  # old element id -> new element id
    instance_ids: Mapped[list] = mapped_column(JSON, default=list)
    dry_run: Mapped[bool] = mapped_column(default=False)
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending|running|done
    total: Mapped[int] = mapped_column(default=0)
    migrated: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    # dry run: [{instance_id, moves: {old: new}}]; errors: [{instance_id, message}]
    plan: Mapped[list] = mapped_column(JSON, default=list)
    errors: Mapped[list] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
class DecisionDefinition(db.Model):
    """One version of a DMN decision (key = the decision id), with the file it came from."""

    __tablename__ = "decision_definition"
    __table_args__ = (UniqueConstraint("key", "version", name="uq_decision_key_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), index=True)
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(255), default="")
    hit_policy: Mapped[str] = mapped_column(String(32), default="UNIQUE")
    version_tag: Mapped[str | None] = mapped_column(String(255))
    # The whole DMN file as uploaded (a file may hold several decisions: each row has it).
    dmn: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    dmn_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
class ExternalTask(db.Model):
    """A service task waiting for an external worker (Camunda's external task, /engine-rest)."""

    __tablename__ = "external_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("process_instance.id", ondelete="CASCADE"))
    task_uuid: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(255))
    topic: Mapped[str] = mapped_column(String(255))
    worker_id: Mapped[str | None] = mapped_column(String(255))
    lock_expires_at: Mapped[datetime | None]
    retries: Mapped[int | None]  # None until a worker reports a failure (Camunda's null)
    error_message: Mapped[str | None] = mapped_column(Text)
    error_details: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[int] = mapped_column(default=0)
    # The process variables when the task was reached plus its input parameters: what a fetch hands out.
    variables: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Completed, cancelled by an event or its instance ended: kept (ids never come back, history).
    closed_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("instance_id", "task_uuid", name="uq_external_task_instance_task"),
        Index("ix_external_task_topic", "topic", "lock_expires_at"),
    )
from engine import history_models  # noqa: E402,F401  (element_activation: known wherever engine tables are)
from engine.form_models import CamundaForm as _CamundaForm  # noqa: E402,F401  (human_task refers to it)
from engine.webhooks import models as _webhook_models  # noqa: E402,F401  (the webhook tables, likewise)
