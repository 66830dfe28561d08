"""The active versions the relay matches record events against, cached per process and revalidated
by the claim of each event: the claim returns a fingerprint of those versions (one more column of
the statement, no query of its own), and the cache is used only while its fingerprint is the same.

The fingerprint is the versions' own content (ids, numbers, diagram hashes, keys, triggers): what
is cached under it is a function of it, so a cache filled in one transaction can never answer for
another state of the tables (an upload, a deactivation, a trigger edit, a deleted version, in any
process: the next claim returns another fingerprint)."""
from __future__ import annotations

from operator import attrgetter
from typing import Any

from sqlalchemy import ColumnElement, Select, String, Text, cast, func, literal, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql.expression import FunctionElement

from crm.outbox_hints import claim_value, register_value
from engine.models import ProcessDefinition, ProcessVersion
from extensions import db

FINGERPRINT = "engine.versions"


class _Fingerprint(FunctionElement):
    """The fingerprint's aggregate: md5 of the pieces in id order on PostgreSQL (a short value per
    claim), the pieces themselves on SQLite (no md5 there; its order is whatever the scan gives)."""

    type = Text()
    inherit_cache = True


@compiles(_Fingerprint)
def _fingerprint_pg(element: _Fingerprint, compiler: Any, **kw: Any) -> str:
    piece, order = element.clauses
    agg = func.string_agg(piece, aggregate_order_by(literal(","), order))
    return compiler.process(func.coalesce(func.md5(agg), ""), **kw)


@compiles(_Fingerprint, "sqlite")
def _fingerprint_sqlite(element: _Fingerprint, compiler: Any, **kw: Any) -> str:
    piece, _ = element.clauses
    return compiler.process(func.coalesce(func.group_concat(piece, "\n"), ""), **kw)


class _Qualified(FunctionElement):
    """A subquery whose columns keep their tables' names: inside SQLite's RETURNING the compiler
    prints them bare, which would make the subquery's join ambiguous."""

    type = Text()
    inherit_cache = True


@compiles(_Qualified)
def _qualified(element: _Qualified, compiler: Any, **kw: Any) -> str:
    (inner,) = element.clauses
    return compiler.process(inner, **{**kw, "include_table": True})


def _newest_active(*columns: Any) -> Select:
    """`columns` of the newest version of every active process (engine.triggers.active_versions)."""
    newest = (select(ProcessVersion.definition_id, func.max(ProcessVersion.number).label("n"))
              .group_by(ProcessVersion.definition_id).subquery())
    return (select(*columns)
            .join_from(ProcessVersion, newest, (newest.c.definition_id == ProcessVersion.definition_id)
                       & (newest.c.n == ProcessVersion.number))
            .join(ProcessDefinition, ProcessDefinition.id == ProcessVersion.definition_id)
            .where(ProcessDefinition.active.is_(True)))


def fingerprint() -> ColumnElement:
    """The claim's value: every cached field of every active newest version, as one text."""
    text = [cast(ProcessVersion.id, String), cast(ProcessVersion.number, String), ProcessVersion.process_id,
            ProcessVersion.bpmn_sha256, cast(ProcessVersion.definition_id, String), ProcessDefinition.key,
            func.coalesce(cast(ProcessVersion.triggers, Text), "")]
    piece = text[0]
    for part in text[1:]:  # a separator no key or hash holds; the triggers are last
        piece = piece.op("||")(literal("\t")).op("||")(part)
    return _Qualified(_newest_active(_Fingerprint(piece, ProcessVersion.id)).scalar_subquery())


def register() -> None:
    """Have every claim return the fingerprint (called at app start, with the engine consumer)."""
    register_value(FINGERPRINT, fingerprint())


class _Definition:
    __slots__ = ("id", "key")

    def __init__(self, id_: int, key: str) -> None:
        self.id, self.key = id_, key


_COLUMNS = ("id", "definition_id", "number", "process_id", "name", "bpmn_sha256", "triggers", "version_tag",
            "created_at", "created_by_id")  # ProcessVersion's columns but the two deferred ones
_read_columns = attrgetter(*_COLUMNS)  # one C call for all of them, row or cached version alike


class CachedVersion:
    """What matching and starting read of a version (`engine.triggers._start`); the diagram and the
    parsed spec, which the runtime caches by (id, hash), are read from the database if asked for."""

    __slots__ = (*_COLUMNS, "definition")

    def __init__(self, row: Any) -> None:
        for key, value in zip(_COLUMNS, _read_columns(row), strict=True):  # a version row never changes
            setattr(self, key, value)
        self.definition = _Definition(row.definition_id, row.key)

    def as_loaded(self) -> ProcessVersion:
        """The version as the session's own object, built from what is cached (no SELECT; the
        deferred diagram and spec load if read): a step run in the relay reads it as its instance's."""
        found = db.session.identity_map.get(identity_key(ProcessVersion, self.id))
        if found is not None:
            return found
        columns = dict(zip(_COLUMNS, _read_columns(self), strict=True))
        columns["triggers"] = list(self.triggers or [])  # the object's own list, as if loaded
        version = ProcessVersion(**columns)
        make_transient_to_detached(version)  # as if loaded: no INSERT, no history
        db.session.add(version)
        return version

    @property
    def bpmn(self) -> bytes:
        return db.session.scalar(select(ProcessVersion.bpmn).where(ProcessVersion.id == self.id))

    @property
    def spec_blob(self) -> str:
        return db.session.scalar(select(ProcessVersion.spec_blob).where(ProcessVersion.id == self.id))


_cached: dict[str, list[CachedVersion]] = {}  # {fingerprint: versions}: the last ones read


def versions_for(event: object) -> list | None:
    """The active versions for a claimed event, from the cache while the claim's fingerprint is the
    one they were read with, else read with their fingerprint in one statement (hence consistent);
    None when the event was not claimed by a relay (the caller reads them as before)."""
    wanted = claim_value(event, FINGERPRINT)
    if wanted is None:
        return None
    found = _cached.get(wanted)  # one look-up: another thread may be replacing the entry
    if found is not None:
        return found
    rows = db.session.execute(_load_query()).all()
    versions = [CachedVersion(row) for row in rows]
    _cached.clear()
    _cached[rows[0].fingerprint if rows else ""] = versions  # none active: the fingerprint is ""
    return versions


_load_built: list = []


def _load_query() -> Select:
    """Built once: the versions (in id order, as active_versions' plan gives them) and their
    fingerprint."""
    if not _load_built:
        _load_built.append(_newest_active(
            *(getattr(ProcessVersion, key) for key in _COLUMNS),
            ProcessDefinition.key, fingerprint().label("fingerprint")).order_by(ProcessVersion.id))
    return _load_built[0]


def loaded_version(version: Any) -> ProcessVersion:
    """A version of `active_versions` or of the cache as the session's ProcessVersion."""
    return version.as_loaded() if isinstance(version, CachedVersion) else version


def forget() -> None:
    """Drop the cache (tests)."""
    _cached.clear()

