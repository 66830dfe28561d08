"""Writing the index: from domain events (idempotent upserts and deletes) and in bulk."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from functools import cache

from sqlalchemy import (
    ColumnElement,
    Insert,
    Text,
    and_,
    bindparam,
    delete,
    exists,
    func,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from crm.attributes import dept_path_for
from crm.entities import REGISTRY
from crm.event_types import Change, record_event_type
from crm.events import OutboxEvent
from crm.models import TimelineEntry
from crm.outbox_hints import claim_hint, claimed_column
from crm.search.documents import Document, build_documents, load_rows, ref_lines
from crm.search.models import SearchDocument, doc_id, fts_table
from crm.search.text import index_text
from crm.serialize import shared_get
from crm.states import TimelineKind
from deferred_rows import defer_statement
from extensions import db
from org.models import utcnow
from org.signals import department_moved, user_departments_changed

BATCH = 500
REBUILD_BATCH = 2000
ATTRIBUTES = ("responsible_id", "dept_path", "status", "created_by_id")


def _dependents_map() -> dict[str, dict[str, tuple[tuple[str, str], ...]]]:
    """{entity: {title field: ((entity that shows it, its ref column), ...)}} from the search lines."""
    out: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {}
    for spec in REGISTRY.values():
        for column, target in ref_lines(spec).items():
            for title_field in REGISTRY[target].title_fields:
                fields = out.setdefault(target, {})
                fields[title_field] = (*fields.get(title_field, ()), (spec.name, column))
    return out


# A change of these renames what other records show (a contact's company, a deal's contact).
DEPENDENTS = _dependents_map()

Progress = Callable[[str, int, int], None]


def _postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def _tsv() -> ColumnElement:
    """Title words weighted A, body words B, from the folded texts bound as :ft and :fb."""
    simple = literal_column("'simple'::regconfig")
    weight_a, weight_b = literal_column("'A'"), literal_column("'B'")
    return func.setweight(func.to_tsvector(simple, bindparam("ft", type_=Text)), weight_a).op("||")(
        func.setweight(func.to_tsvector(simple, bindparam("fb", type_=Text)), weight_b))


def _params(doc: Document, postgres: bool, now: datetime) -> dict:
    row = {"id": doc_id(doc.entity, doc.record_id), "entity": doc.entity, "record_id": doc.record_id,
           "title": doc.title, "body": doc.body, "updated_at": now,
           "source_updated_at": doc.source_updated_at,
           **{name: getattr(doc, name) for name in ATTRIBUTES}}
    if postgres:
        row["ft"], row["fb"] = index_text(doc.title), index_text(doc.body)
    return row


@cache  # built once per dialect (the relay upserts one document per event): constructing it cost 0.4 ms
def _upsert_statement(postgres: bool) -> Insert:
    table = SearchDocument.__table__
    names = ["id", "entity", "record_id", "title", "body", "updated_at", "source_updated_at", *ATTRIBUTES]
    values = {n: bindparam(n, type_=table.c[n].type) for n in names}
    if postgres:
        values["tsv"] = _tsv()
    stmt = (pg_insert if postgres else sqlite_insert)(table).values(values)
    new = stmt.excluded
    changed = or_(*[table.c[n].is_distinct_from(new[n]) for n in ("title", "body", *ATTRIBUTES)])
    seen = table.c.source_updated_at
    not_older = or_(seen.is_(None), new.source_updated_at.is_(None), new.source_updated_at >= seen)
    updated = ["title", "body", "updated_at", "source_updated_at", *ATTRIBUTES]
    updated += ["tsv"] if postgres else []
    return stmt.on_conflict_do_update(index_elements=["id"], set_={n: new[n] for n in updated},
                                      where=and_(changed, not_older))


def upsert_documents(docs: list[Document]) -> None:
    """Insert or refresh rows (one statement, many parameter sets); unchanged rows stay as they are.
    One document (the relay's, per event) goes with the transaction's next statement on
    PostgreSQL (deferred_rows): the event's delivered mark."""
    if not docs:
        return
    postgres = _postgres()
    now = utcnow()
    if postgres and len(docs) == 1:
        defer_statement(_upsert_statement(True), _params(docs[0], True, now))
        return
    db.session.execute(_upsert_statement(postgres), [_params(d, postgres, now) for d in docs])


def delete_documents(entity: str, record_ids: Iterable[int]) -> None:
    ids = [doc_id(entity, i) for i in record_ids]
    if ids:
        db.session.execute(delete(SearchDocument).where(SearchDocument.id.in_(ids)))


def reindex(entity: str, record_ids: Iterable[int]) -> None:
    """Bring the rows of these records in line with the records (deleted ones disappear)."""
    ids = sorted(set(record_ids))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        rows = load_rows(entity, chunk)
        upsert_documents(build_documents(entity, rows))
        delete_documents(entity, set(chunk) - {r.id for r in rows})


def _dependents(entity: str, record_id: int, changes: dict) -> None:
    for field, targets in DEPENDENTS.get(entity, {}).items():
        if field not in changes:
            continue
        for target, column in targets:
            model = REGISTRY[target].model
            reindex(target, db.session.scalars(select(model.id).where(getattr(model, column) == record_id)))


COMMENTS_HINT = "search.comments"


def comments_exist() -> ColumnElement[bool]:
    """The claim's hint: the event's record has comments (a new one has none: no timeline read)."""
    return select(TimelineEntry.id).where(
        TimelineEntry.entity == claimed_column("entity"),
        TimelineEntry.record_id == claimed_column("entity_id"),
        TimelineEntry.kind == TimelineKind.COMMENT).exists()


def on_event(event: OutboxEvent) -> None:
    """The "search" outbox consumer: `<entity>.deleted` removes, anything else re-reads the record."""
    if event.entity not in REGISTRY:
        return
    if event.type == record_event_type(event.entity, Change.DELETED):
        delete_documents(event.entity, [event.entity_id])
        return
    # Through the session: the engine consumer of the same event has usually loaded the record.
    record = shared_get(REGISTRY[event.entity].model, event.entity_id)
    if record is None:
        delete_documents(event.entity, [event.entity_id])
    else:
        upsert_documents(build_documents(event.entity, [record],
                                         comments=claim_hint(event, COMMENTS_HINT)))
    _dependents(event.entity, event.entity_id, event.changes or {})


@user_departments_changed.connect
def _user_moved(sender: object, user_id: int, **_: object) -> None:
    """A person moved: the copies of their records' department path follow, in the same transaction."""
    db.session.execute(update(SearchDocument).where(SearchDocument.responsible_id == user_id)
                       .values(dept_path=dept_path_for(user_id))
                       .execution_options(synchronize_session=False))


@department_moved.connect
def _department_moved(sender: object, old_path: str, new_path: str, **_: object) -> None:
    col = SearchDocument.dept_path
    db.session.execute(update(SearchDocument).where(col.startswith(old_path))
                       .values(dept_path=new_path + func.substr(col, len(old_path) + 1))
                       .execution_options(synchronize_session=False))


def rebuild(progress: Progress | None = None, entities: Iterable[str] = tuple(REGISTRY)) -> dict[str, int]:
    """Re-read every record (batch by batch, a commit each) and drop rows of vanished records."""
    counts: dict[str, int] = {}
    postgres = _postgres()
    if postgres and db.session.scalar(select(SearchDocument.id).limit(1)) is None:
        # An empty index (new install, restore): building the GIN index once at the end is
        # several times faster than updating it row by row.
        db.session.execute(text("DROP INDEX IF EXISTS ix_search_document_tsv"))
        db.session.commit()
    for entity in entities:
        table = REGISTRY[entity].model.__table__
        total = db.session.scalar(select(func.count()).select_from(table)) or 0
        done, last = 0, 0
        while True:
            rows = list(db.session.execute(select(table).where(table.c.id > last)
                                           .order_by(table.c.id).limit(REBUILD_BATCH)))
            if not rows:
                break
            upsert_documents(build_documents(entity, rows))
            db.session.commit()
            done, last = done + len(rows), rows[-1].id
            if progress:
                progress(entity, done, total)
        _drop_orphans(entity)
        counts[entity] = done
    if postgres:
        db.session.execute(text("CREATE INDEX IF NOT EXISTS ix_search_document_tsv "
                                "ON search_document USING gin (tsv)"))
    else:
        for entity in entities:
            _refill_fts(entity)
    db.session.commit()
    return counts


def _refill_fts(entity: str) -> None:
    """SQLite: derive the entity's FTS5 table from search_document again (repairs it after a
    restore that left it behind), in one pass, then merge its segments."""
    name = fts_table(entity)
    db.session.execute(text(f"INSERT INTO {name}({name}) VALUES ('delete-all')"))
    db.session.execute(text(f"INSERT INTO {name}(rowid, title, body) SELECT id, title, body "
                            "FROM search_document WHERE entity = :entity"), {"entity": entity})
    db.session.execute(text(f"INSERT INTO {name}({name}) VALUES ('optimize')"))
    db.session.commit()


def _drop_orphans(entity: str) -> None:
    model = REGISTRY[entity].model
    db.session.execute(delete(SearchDocument).where(
        SearchDocument.entity == entity, ~exists().where(model.id == SearchDocument.record_id)))
    db.session.commit()
