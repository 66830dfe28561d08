"""The Camunda Forms (form-js) store: one row per version of a form, keyed by the form's id."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db
from org.models import utcnow


class CamundaForm(db.Model):
    """One version of a form-js form (key = the JSON's top-level "id"), with where it came from."""

    __tablename__ = "camunda_form"
    __table_args__ = (UniqueConstraint("key", "version", name="uq_camunda_form_key_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), index=True)
    version: Mapped[int]
    # The file name it was deployed as ("invoice.form"): camunda:formKey="camunda-forms:deployment:…".
    resource_name: Mapped[str] = mapped_column(String(255), default="", index=True)
    schema: Mapped[dict] = mapped_column(JSON, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64))
    # The engine-rest deployment (its first process version) that brought this version, if any.
    deployment_id: Mapped[int | None] = mapped_column(
        ForeignKey("process_version.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
