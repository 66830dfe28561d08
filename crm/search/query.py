"""Searching: prefix match over the index, only readable records, ranked among capped candidates.

Rights are applied in SQL through crm.access, per entity, in one UNION ALL query:
- every branch joins the candidate back to its record table and applies `access.scope`, so
  what a user sees follows the records' current responsible/department/status, and a deleted
  record vanishes at once, even before the index catches up;
- on PostgreSQL the branch also applies `access.condition` to the attributes copied into
  search_document, which lets the planner combine the GIN index with the department/responsible
  indexes (a bitmap AND) instead of joining every match; the copies only ever narrow further.
Each branch keeps the newest CANDIDATES matches (by record id, which the indexes give in order)
and only those are ranked (bm25 / ts_rank), so a common word costs no more than a rare one.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    column,
    func,
    literal_column,
    select,
    table,
    union_all,
)

from crm import access
from crm.search.documents import ENTITIES, MODELS
from crm.search.models import SearchDocument, id_range
from crm.search.text import fts5_query, query_words, snippet, tsquery
from extensions import db
from org.actors import Actor

CANDIDATES = 200
MAX_LIMIT = 50
TITLE_WEIGHT, BODY_WEIGHT = 10.0, 1.0  # bm25 column weights on SQLite (A/B weights on PostgreSQL)

_fts = table("search_fts", column("rowid", BigInteger))
FTS = literal_column("search_fts")
SIMPLE = literal_column("'simple'::regconfig")


@dataclass
class Hit:
    entity: str
    id: int
    title: str
    snippet: str
    score: float


@dataclass
class SearchResult:
    query: str
    terms: list[str]
    hits: list[Hit] = field(default_factory=list)


def _condition_on_copies(actor: Actor, entity: str) -> ColumnElement:
    s = SearchDocument
    return access.condition(actor, entity, "read", responsible=s.responsible_id, dept_path=s.dept_path,
                            status=s.status if entity in access.STATUS_FIELDS else None,
                            record_id=s.record_id, created_by=s.created_by_id)


def _sqlite_branch(entity: str, match: str, actor: Actor) -> Select:
    low, high = id_range(entity)
    model = MODELS[entity]
    score = func.bm25(FTS, TITLE_WEIGHT, BODY_WEIGHT).label("score")
    # `model.id = rowid - low` can only be used from the FTS side: the full-text match drives.
    stmt = (select(_fts.c.rowid.label("doc_id"), score).select_from(_fts)
            .join(model, model.id == _fts.c.rowid - low)
            .where(FTS.op("MATCH")(match), _fts.c.rowid.between(low, high)))
    return access.scope(stmt, entity, "read", actor).order_by(_fts.c.rowid.desc()).limit(CANDIDATES)


def _postgres_branch(entity: str, query: ColumnElement, actor: Actor, prefilter: bool) -> Select:
    low, high = id_range(entity)
    model = MODELS[entity]
    s = SearchDocument
    stmt = (select(s.id.label("doc_id")).select_from(s).join(model, model.id == s.record_id)
            .where(s.id.between(low, high), s.tsv.op("@@")(query)))
    if prefilter:
        stmt = stmt.where(_condition_on_copies(actor, entity))
    return access.scope(stmt, entity, "read", actor).order_by(s.id.desc()).limit(CANDIDATES)


def _ranked(terms: list[str], actor: Actor, limit: int, prefilter: bool) -> list[tuple[int, float]]:
    """(document id, score) of the best `limit` readable matches, best first."""
    entities = [e for e in ENTITIES if access.can(actor, e, "read")]
    if not entities:
        return []
    if db.engine.dialect.name == "postgresql":
        query = func.to_tsquery(SIMPLE, tsquery(terms))
        branches = [select(_postgres_branch(e, query, actor, prefilter).subquery()) for e in entities]
        found = union_all(*branches).subquery()
        s = SearchDocument
        score = func.ts_rank(s.tsv, query)
        stmt = (select(s.id, score).join(found, found.c.doc_id == s.id)
                .order_by(score.desc(), s.id.desc()).limit(limit))
    else:
        match = fts5_query(terms)
        branches = [select(_sqlite_branch(e, match, actor).subquery()) for e in entities]
        found = union_all(*branches).subquery()
        stmt = (select(found.c.doc_id, -found.c.score)  # bm25: lower is better
                .order_by(found.c.score, found.c.doc_id.desc()).limit(limit))
    return [(int(i), float(sc)) for i, sc in db.session.execute(stmt)]


def search_records(q: str, *, actor: Actor, limit: int = 20, prefilter: bool = True) -> SearchResult:
    """The records `actor` may read that contain every typed word as a word prefix, best first."""
    terms = query_words(q or "")
    result = SearchResult(query=q or "", terms=terms)
    if not terms:
        return result
    ranked = _ranked(terms, actor, max(1, min(limit, MAX_LIMIT)), prefilter)
    if not ranked:
        return result
    s = SearchDocument
    rows = {r.id: r for r in db.session.execute(
        select(s.id, s.entity, s.record_id, s.title, s.body).where(s.id.in_([i for i, _ in ranked])))}
    for doc, score in ranked:
        row = rows[doc]
        result.hits.append(Hit(row.entity, row.record_id, row.title, snippet(row.title, row.body, terms),
                               score))
    return result
