"""Searching: prefix match over the index, only readable records, ranked among capped candidates.

Rights are applied in SQL through crm.access, per entity, in one UNION ALL query, and every
candidate is joined back to its record table through `access.scope`: what a user finds follows
the records as they are now (responsible, department, status), and a deleted or reassigned
record drops out at once, before the index hears of it.
- SQLite: the FTS5 match drives (FTS5 cannot filter on other columns anyway); each branch walks
  its entity's FTS5 table newest first, joins the record and keeps the first CANDIDATES readable
  ones. (One table per entity: a prefix beyond the prefix indexes merges the postings of every
  matching word before the first row comes out, so five branches over one table paid it 5 times.)
- PostgreSQL: each branch first picks the newest CANDIDATES matches among the rows whose copied
  access attributes pass `access.condition` (one table, so the planner can use the responsible/
  department indexes or the GIN index, whichever is selective), then joins those to the record
  table through `access.scope`. A copy that lags (until the relay runs) can hide a record, never
  show one. Whether the GIN index is worth reading depends on how common the words are, which
  PostgreSQL misjudges for prefix queries (it reads a 200,000-entry posting list in ~40 ms to
  intersect it with a manager's 2,000 rows): a 1,000-row sample decides, and for a common word the
  match is written as ts_match_vq() so the planner walks the rights index or the newest rows.
Only the candidates are ranked (bm25 / ts_rank), so a common word costs no more than a rare one.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    bindparam,
    column,
    func,
    literal_column,
    select,
    table,
    text,
    union_all,
)

from crm import access
from crm.entities import REGISTRY
from crm.search.documents import hidden_names
from crm.search.models import SearchDocument, fts_table, id_range
from crm.search.text import fts5_query, query_words, snippet, tsquery
from extensions import db
from org.actors import Actor

CANDIDATES = 200
MAX_LIMIT = 50
SAMPLE_ROWS, SAMPLE_FROM = 1000, 50_000  # PostgreSQL: sample the index once it has 50,000 rows
COMMON_SHARE = 0.02  # a word in 2% of the sample: read the newest rows, not its GIN posting list
COPIES = ("responsible_id", "dept_path", "status", "created_by_id")
TITLE_WEIGHT, BODY_WEIGHT = 10.0, 1.0  # bm25 column weights on SQLite (A/B weights on PostgreSQL)

SIMPLE = literal_column("'simple'::regconfig")
_estimates: dict[str, tuple[float, float]] = {}  # PostgreSQL: url -> (rows in search_document, when)


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


def _condition_on_copies(actor: Actor, entity: str, rows: object) -> ColumnElement:
    """access.condition over the access attributes copied into the index (`rows`: the table or a CTE)."""
    c = rows.c
    return access.condition(actor, entity, "read", responsible=c.responsible_id, dept_path=c.dept_path,
                            status=c.status if entity in access.STATUS_FIELDS else None,
                            record_id=c.record_id, created_by=c.created_by_id)


def _sqlite_branch(entity: str, match: str, actor: Actor) -> Select:
    low, _high = id_range(entity)
    model = REGISTRY[entity].model
    name = fts_table(entity)
    fts, fts_name = table(name, column("rowid", BigInteger)), literal_column(name)
    score = func.bm25(fts_name, TITLE_WEIGHT, BODY_WEIGHT).label("score")
    # `model.id = rowid - low` can only be used from the FTS side: the full-text match drives.
    stmt = (select(fts.c.rowid.label("doc_id"), score).select_from(fts)
            .join(model, model.id == fts.c.rowid - low).where(fts_name.op("MATCH")(match)))
    return access.scope(stmt, entity, "read", actor).order_by(fts.c.rowid.desc()).limit(CANDIDATES)


def _postgres_branch(entity: str, rows: object, match: ColumnElement | None, actor: Actor) -> Select:
    """The newest CANDIDATES readable matches of one entity among `rows`, joined to the records."""
    low, high = id_range(entity)
    newest = select(rows.c.id, rows.c.record_id).where(rows.c.id.between(low, high),
                                                      _condition_on_copies(actor, entity, rows))
    if match is not None:
        newest = newest.where(match)
    candidates = newest.order_by(rows.c.id.desc()).limit(CANDIDATES).subquery()
    model = REGISTRY[entity].model
    stmt = select(candidates.c.id.label("doc_id")).join(model, model.id == candidates.c.record_id)
    return access.scope(stmt, entity, "read", actor)


def _index_rows() -> float:
    """PostgreSQL's row estimate for the index table, re-read once a minute (per database)."""
    now, key = time.monotonic(), str(db.engine.url)
    rows, read_at = _estimates.get(key, (0.0, -1e9))
    if now - read_at > 60:
        rows = float(db.session.scalar(text("SELECT reltuples FROM pg_class "
                                            "WHERE oid = 'search_document'::regclass")) or 0)
        _estimates[key] = (rows, now)
    return rows


def _common_words(query: str) -> bool:
    """Whether at least COMMON_SHARE of a fixed ~1,000-row sample of the index matches."""
    rows = _index_rows()
    if rows < SAMPLE_FROM:
        return False  # small (or never analysed): the planner's own choice is cheap either way
    sample = text("SELECT count(*), count(*) FILTER (WHERE tsv @@ to_tsquery('simple', :q)) "
                  "FROM search_document TABLESAMPLE SYSTEM (CAST(:pct AS real)) REPEATABLE (7)")
    seen, hits = db.session.execute(sample, {"q": query, "pct": 100.0 * SAMPLE_ROWS / rows}).one()
    return hits >= COMMON_SHARE * max(seen, 1)


def _postgres_ranked(terms: list[str], entities: list[str], actor: Actor, limit: int,
                     strategy: str) -> list[tuple[int, float]]:
    raw = tsquery(terms)
    query = func.to_tsquery(SIMPLE, bindparam("tsq", raw))
    s = SearchDocument
    if strategy == "gin" or (strategy == "auto" and not _common_words(raw)):
        # A rare word: its few matches from the GIN index, read once (the CTE is a fence: left to
        # itself, the planner would walk the id index instead, misjudging a prefix as common).
        rows, match = select(s.id, s.record_id, *[getattr(s, c) for c in COPIES]).where(
            s.tsv.op("@@")(query)).cte("matched").prefix_with("MATERIALIZED"), None
    else:
        # A common word: walk the rights index or the newest rows and check each (no GIN).
        rows, match = s.__table__, func.ts_match_vq(s.tsv, query)
    found = union_all(*[select(_postgres_branch(e, rows, match, actor).subquery())
                        for e in entities]).subquery()
    score = func.ts_rank(s.tsv, query)
    stmt = select(s.id, score).join(found, found.c.doc_id == s.id).order_by(score.desc(), s.id.desc())
    # Each branch reads a few hundred rows: starting parallel workers would cost more (tens of ms
    # on a busy machine). SET LOCAL lasts until the transaction (the request's) ends.
    db.session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
    return [(int(i), float(sc)) for i, sc in db.session.execute(stmt.limit(limit))]


def _sqlite_ranked(terms: list[str], entities: list[str], actor: Actor,
                   limit: int) -> list[tuple[int, float]]:
    match = fts5_query(terms)
    found = union_all(*[select(_sqlite_branch(e, match, actor).subquery()) for e in entities]).subquery()
    stmt = (select(found.c.doc_id, -found.c.score)  # bm25: lower is better
            .order_by(found.c.score, found.c.doc_id.desc()).limit(limit))
    return [(int(i), float(sc)) for i, sc in db.session.execute(stmt)]


def _ranked(terms: list[str], actor: Actor, limit: int, strategy: str) -> list[tuple[int, float]]:
    """(document id, score) of the best `limit` readable matches, best first."""
    entities = [e for e in REGISTRY if access.can(actor, e, "read")]
    if not entities:
        return []
    if db.engine.dialect.name == "postgresql":
        return _postgres_ranked(terms, entities, actor, limit, strategy)
    return _sqlite_ranked(terms, entities, actor, limit)


def search_records(q: str, *, actor: Actor, limit: int = 20, strategy: str = "auto") -> SearchResult:
    """The records `actor` may read that contain every typed word as a word prefix, best first.

    `strategy` ("auto", or "gin"/"scan" to force a PostgreSQL plan) exists for bench/search.py."""
    terms = query_words(q or "")  # folded as PostgreSQL's index and the snippets fold
    result = SearchResult(query=q or "", terms=terms)
    if not terms:
        return result
    # SQLite's FTS5 folds the diacritics of Latin letters only: "й" must stay "й" to match there
    sqlite = db.engine.dialect.name != "postgresql"
    matched = query_words(q or "", latin_only=True) if sqlite else terms
    ranked = _ranked(matched, actor, max(1, min(limit, MAX_LIMIT)), strategy)
    if not ranked:
        return result
    s = SearchDocument
    rows = {r.id: r for r in db.session.execute(
        select(s.id, s.entity, s.record_id, s.title, s.body).where(s.id.in_([i for i, _ in ranked])))}
    hidden = _hidden_names(list(rows.values()), actor)
    for doc, score in ranked:
        row = rows[doc]
        body, names = row.body, hidden.get((row.entity, row.record_id))
        if names:  # names of records the reader may not read
            body = "\n".join(line for line in body.split("\n") if line not in names)
        result.hits.append(Hit(row.entity, row.record_id, row.title, snippet(row.title, body, terms), score))
    return result


def _hidden_names(rows: list, actor: Actor) -> dict[tuple[str, int], set[str]]:
    out: dict[tuple[str, int], set[str]] = {}
    for entity in {r.entity for r in rows}:
        ids = [r.record_id for r in rows if r.entity == entity]
        for record_id, names in hidden_names(entity, ids, actor).items():
            out[entity, record_id] = names
    return out
