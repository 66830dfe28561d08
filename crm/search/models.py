"""The search index: one row per record, with copies of its access attributes."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from crm.entities import REGISTRY
from extensions import db
from org.models import utcnow

# Each entity owns one id range: id = code << 40 | record id (FTS5 scans a range natively).
ENTITY_CODES = {e.name: e.search_code for e in REGISTRY.values()}
ID_SHIFT = 40


def doc_id(entity: str, record_id: int) -> int:
    return (ENTITY_CODES[entity] << ID_SHIFT) | record_id


def fts_table(entity: str) -> str:
    """SQLite: the entity's contentless FTS5 table (migration 0004_search), fed by triggers."""
    if entity not in ENTITY_CODES:
        raise KeyError(entity)
    return f"search_fts_{entity}"


def id_range(entity: str) -> tuple[int, int]:
    low = ENTITY_CODES[entity] << ID_SHIFT
    return low, low + (1 << ID_SHIFT) - 1


class SearchDocument(db.Model):
    """Written only by crm.search.index; on SQLite FTS5 tables (one per entity) index title and body."""

    __tablename__ = "search_document"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True,
                                    autoincrement=False)
    entity: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[int]
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    # PostgreSQL only (NULL on SQLite): title weighted A, body B, over accent-folded words.
    tsv: Mapped[str | None] = mapped_column(TSVECTOR().with_variant(Text(), "sqlite"))
    responsible_id: Mapped[int | None]
    dept_path: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str | None] = mapped_column(String(32))
    created_by_id: Mapped[int | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The record's updated_at when read: an older read never overwrites a newer one (two workers).
    source_updated_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("entity", "record_id", name="uq_search_document_record"),
        Index("ix_search_document_responsible_id_id", "responsible_id", "id"),
        Index("ix_search_document_dept_path_id", "dept_path", "id",
              postgresql_ops={"dept_path": "varchar_pattern_ops"}),
        Index("ix_search_document_tsv", "tsv", postgresql_using="gin"),
    )
