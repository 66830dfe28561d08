"""Drive search: items whose name or text has every typed word as a word prefix, exact and paged.

The index (migration 0025_drivesearch) is kept in step by the database itself: on SQLite the
FTS5 table search_fts_drive through triggers on drive_item, on PostgreSQL the generated column
drive_item.search_tsv. So an upload, a new version, the PDF text read later, a rename or a purge
changes what is found in the same transaction, with no service code to forget.

Who may read a hit is decided in the same SQL statement, from drive_item and drive_right as
they are now (drive.rights describes the model), so a move, a trash or a restore counts at once
and a page of results is exact however many matches the user may not read:
- a user's right entries (and the implicit ones at drive roots) are read first, one query; for
  each subject, an entry granting read covers the paths below its item except those below an
  entry of the same subject with a lower level (deepest wins), which are cut out of it;
- the owner's floor: items the user created, or below a folder they created, or in their own
  drive or a drive of a workgroup they own;
- nothing in the trash or below a trashed folder (a probe of the few trashed rows).
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    bindparam,
    column,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy.orm import aliased, undefer

from crm.search.text import MAX_QUERY_WORDS, WORD_RE, fts5_query, snippet, tsquery
from drive import rights
from drive.models import DriveItem, DriveRight
from errors import ValidationError
from extensions import db
from org.actors import Actor

MAX_LIMIT = 50
MAX_QUERY = 200
NAME_WEIGHT, TEXT_WEIGHT = 10.0, 1.0  # bm25 column weights on SQLite (A/B weights on PostgreSQL)
FTS = "search_fts_drive"


def _fold_char(c: str) -> str:
    if not unicodedata.name(c, "").startswith("LATIN"):
        return c.lower()  # FTS5's unicode61 strips diacritics of Latin letters only (й stays й)
    return "".join(x for x in unicodedata.normalize("NFKD", c) if not unicodedata.combining(x)).lower()


def query_terms(q: str) -> list[str]:
    """The words to match as prefixes, folded as the index folds them on both databases."""
    found = WORD_RE.findall("".join(_fold_char(c) for c in q))
    longer = [w for w in found if len(w) > 1]
    return (longer or found)[:MAX_QUERY_WORDS]


@dataclass
class FileHit:
    item: DriveItem
    level: int
    snippet: str
    score: float


@dataclass
class DriveSearch:
    query: str
    terms: list[str]
    offset: int
    hits: list[FileHit] = field(default_factory=list)
    next_offset: int | None = None  # where the next page starts, None on the last one


@dataclass
class _Entry:
    path: str
    level: int
    implicit: bool = False  # a drive kind's right "above the root": an entry on the root overrides it


def _my_entries(who: rights.Who) -> dict[tuple, list[_Entry]]:
    """The right entries naming one of the user's subjects, by subject, with their items' paths."""
    r = DriveRight
    ancestors = {int(p) for path in who.department_paths for p in path.strip("/").split("/") if p}
    departments = or_(r.subject_id.in_(who.department_ids),
                      r.include_subdepartments.is_(True) & r.subject_id.in_(ancestors))
    mine = or_(r.subject == "everyone", (r.subject == "user") & (r.subject_id == who.user_id),
               (r.subject == "workgroup") & r.subject_id.in_(who.workgroup_ids),
               (r.subject == "department") & departments)
    found: dict[tuple, list[_Entry]] = {}
    rows = db.session.execute(select(r.subject, r.subject_id, r.include_subdepartments, r.level,
                                     DriveItem.path).join(DriveItem, DriveItem.id == r.item_id).where(mine))
    for subject, sid, subs, level, path in rows:
        entry = _Entry(path, rights.RANK.get(level, rights.NONE))
        found.setdefault((subject, sid, bool(subs)), []).append(entry)
    roots = _root_paths([f"workgroup:{g}" for g in who.workgroup_ids] + ["company:"])
    if "company:" in roots:
        entry = _Entry(roots.pop("company:"), rights.READ, implicit=True)
        found.setdefault(("everyone", None, False), []).append(entry)
    for key, path in roots.items():
        entry = _Entry(path, rights.EDIT, implicit=True)
        found.setdefault(("workgroup", int(key.split(":")[1]), False), []).append(entry)
    return found


def _root_paths(keys: list[str]) -> dict[str, str]:
    if not keys:
        return {}
    found = select(DriveItem.root_key, DriveItem.path).where(DriveItem.root_key.in_(keys))
    return {key: path for key, path in db.session.execute(found)}


def _granted(entries: dict[tuple, list[_Entry]], path: ColumnElement) -> list[ColumnElement]:
    """Per subject: below each granting entry, minus what a lower entry of that subject cuts out."""
    out = []
    for chain in entries.values():
        lower = [e for e in chain if e.level < rights.READ]
        for grant in (e for e in chain if e.level >= rights.READ):
            cuts = [path.startswith(e.path) for e in lower if e.path.startswith(grant.path)
                    and (e.path != grant.path or grant.implicit)]
            out.append(path.startswith(grant.path) & ~or_(false(), *cuts))
    return out


def readable(who: rights.Who, item: type[DriveItem] = DriveItem) -> ColumnElement:
    """SQL: `item` (not a root) is one the user may read now (drive.rights, as a filter)."""
    trashed = aliased(DriveItem)
    in_trash = exists().where(trashed.trashed_at.is_not(None), item.path.startswith(trashed.path))
    base = item.parent_id.is_not(None) & ~in_trash
    if who.admin:
        return base
    owned, floor = aliased(DriveItem), []
    if who.user_id is not None:  # an ownerless item (owner_id NULL) is nobody's floor
        floor = [item.owner_id == who.user_id,
                 exists().where(owned.owner_id == who.user_id, owned.is_folder.is_(True),
                                item.path.startswith(owned.path))]
    own_roots = _root_paths([f"user:{who.user_id}"] + [f"workgroup:{g}" for g in who.owned_workgroup_ids])
    floor += [item.path.startswith(p) for p in own_roots.values()]
    return base & or_(*floor, *_granted(_my_entries(who), item.path))


def _sqlite_page(terms: list[str], where: ColumnElement) -> Select:
    fts, name = table(FTS, column("rowid", Integer)), literal_column(FTS)
    score = func.bm25(name, NAME_WEIGHT, TEXT_WEIGHT)  # lower is better
    return (select(DriveItem.id, (-score).label("score")).select_from(fts)
            .join(DriveItem, DriveItem.id == fts.c.rowid)
            .where(name.op("MATCH")(bindparam("match", fts5_query(terms))), where)
            .order_by(score, DriveItem.id.desc()))


def _postgres_page(terms: list[str], where: ColumnElement) -> Select:
    tsv = literal_column("drive_item.search_tsv")
    query = func.to_tsquery(literal_column("'simple'::regconfig"), bindparam("tsq", tsquery(terms)))
    score = func.ts_rank(tsv, query)
    return (select(DriveItem.id, score.label("score")).where(tsv.op("@@")(query), where)
            .order_by(score.desc(), DriveItem.id.desc()))


def _levels(who: rights.Who, found: list[DriveItem]) -> dict[int, int]:
    """Each hit's level, from one query for every chain (for what the hit allows: edit, share)."""
    nodes = rights.load_nodes({i for item in found for i in item.ancestor_ids})
    levels = {}
    for item in found:
        chain = item.ancestor_ids
        state = rights.start(who, nodes[chain[0]])
        for item_id in chain:
            state = state.step(who, nodes[item_id])
        levels[item.id] = state.level
    return levels


def _bounded(value: object, name: str, low: int, high: int | None) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < low or (high and value > high):
        most = f" to {high}" if high else " up"
        raise ValidationError.from_fields({name: f"A whole number from {low}{most}"})
    return value


def search_files(q: object, *, actor: Actor, limit: object = 50, offset: object = 0) -> DriveSearch:
    """The items `actor` may read with every typed word as a prefix of a word of their name or
    text (drive.text, drive.pdftext), best first; `offset` pages through them exactly."""
    if not isinstance(q, str) or not q.strip():
        raise ValidationError.from_fields({"q": "Text to search for is required"})
    if len(q) > MAX_QUERY:
        raise ValidationError.from_fields({"q": f"At most {MAX_QUERY} characters"})
    limit, offset = _bounded(limit, "limit", 1, MAX_LIMIT), _bounded(offset, "offset", 0, None)
    result = DriveSearch(query=q, terms=query_terms(q), offset=offset)
    if not result.terms:
        return result
    who = rights.who_is(actor)
    page = _postgres_page if db.engine.dialect.name == "postgresql" else _sqlite_page
    ranked = list(db.session.execute(page(result.terms, readable(who)).limit(limit + 1).offset(offset)))
    if len(ranked) > limit:
        ranked, result.next_offset = ranked[:limit], offset + limit
    rows = {i.id: i for i in db.session.scalars(select(DriveItem).options(undefer(DriveItem.text))
                                                 .where(DriveItem.id.in_([r.id for r in ranked])))}
    levels = _levels(who, list(rows.values()))
    for hit_id, score in ranked:
        item = rows[hit_id]
        if levels[hit_id] < rights.READ:
            continue  # the SQL filter and drive.rights disagree: never show more than rights allow
        text = snippet(item.name, item.text or "", result.terms)
        result.hits.append(FileHit(item, levels[hit_id], text, float(score)))
    return result


def search_items(q: object, *, actor: Actor, limit: int = MAX_LIMIT) -> list[tuple[DriveItem, int]]:
    """The first page of search_files as (item, level) pairs, for the drive's own lists."""
    return [(h.item, h.level) for h in search_files(q, actor=actor, limit=limit).hits]

