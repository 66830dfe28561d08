"""Rows a transaction inserts and never reads back, sent to PostgreSQL with its next statement.

A web request that creates a record writes the record, then three rows nobody reads back in
that transaction (its timeline entry, its outbox event, its stage history row); an engine step
writes its activations and its log before the human task's INSERT. Each was a statement of its
own: a round trip, and about 0.2 ms of client CPU plus the server's parse and plan.

`defer_insert(table, row)` keeps the row on the session's connection instead. The next
statement that connection runs carries the kept rows along: a single-row Core INSERT, UPDATE or
DELETE gets them as data-modifying CTEs (`WITH dr0 AS (INSERT ...) UPDATE ...`: one statement);
anything else (a SELECT, an ORM flush, a savepoint, the COMMIT) is preceded by one statement
that writes them all. So the order of statements is kept (nothing reads the database between a
deferral and its rows) and a rollback drops the kept rows with the rest of the transaction.

Inside one statement PostgreSQL runs the CTEs against one snapshot and checks foreign keys at
its end, so rows kept together must not depend on each other beyond what a foreign key checks;
they never do, as no id is read back. Rows of one table keep their order (one multi-row VALUES
list, ids in list order); a row with other columns than the table's rows already kept sends
those first. A deferred row that breaks a constraint fails the statement that carries it, in
the same transaction as before.

`defer_update(table, id, values)` keeps an UPDATE of one row the same way, for a row the
transaction inserted itself (its row count, which tells of a concurrent change, is not read):
the instance an outbox relay starts and runs to its first wait state in one transaction.
`defer_statement(stmt, params)` keeps any Core statement of one table whose row count nobody
reads (the search index's upsert of a relayed record), rendered once as text.

SQLite (one local file, no round trip, no data-modifying CTEs) runs each at once.
"""
from __future__ import annotations

import re
import weakref
from functools import lru_cache
from typing import Any

from sqlalchemy import Table, TextClause, bindparam, event, insert, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.engine.interfaces import BindTyping
from sqlalchemy.sql.dml import Delete, Insert, Update
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.util import find_tables

from extensions import db

__all__ = ["defer_insert", "defer_statement", "defer_update", "install", "kept_rows"]

# Connection -> {(table, keys): [row, ...]} in the order the tables were first kept. A Connection
# is one checkout of a pooled connection, so a new checkout never sees rows of an older one.
_KEPT: weakref.WeakKeyDictionary[Connection, dict[tuple[Table, tuple[str, ...]], list[dict]]] = (
    weakref.WeakKeyDictionary())
_PG = postgresql.dialect()  # quotes the kept rows' table and column names
_WRITING: weakref.WeakSet[Connection] = weakref.WeakSet()  # connections writing their rows now


def defer_insert(table: Table, row: dict[str, Any]) -> None:
    """Insert `row` into `table` in the session's transaction, with its next statement
    (PostgreSQL) or now (SQLite). Columns with a Python default that `row` lacks get it now."""
    conn = db.session.connection()
    if conn.dialect.name != "postgresql":
        conn.execute(_insert_of(table), row)
        return
    full = _with_defaults(table, row)
    kept = _KEPT.setdefault(conn, {})
    key = (table, tuple(sorted(full)))
    if key not in kept and any(t is table and keys[0] != _UPDATE for t, keys in kept):
        _write(conn)  # other columns than the rows kept for the table: theirs first (id order)
        kept = _KEPT.setdefault(conn, {})
    kept.setdefault(key, []).append(full)


def defer_update(table: Table, row_id: Any, values: dict[str, Any]) -> None:
    """UPDATE the row of `table` with this primary key, with the transaction's next statement
    (PostgreSQL) or now (SQLite), its row count not read: for a row no other transaction can
    have changed or removed (one this one inserted; an activation of the instance whose UPDATE
    this step made, its lock_version checked). The row must be in the database, not kept: the
    kept INSERTs of its table go in the same statement, which does not see them."""
    conn = db.session.connection()
    (pk,) = table.primary_key.columns
    if conn.dialect.name != "postgresql":
        conn.execute(table.update().where(pk == row_id).values(values))
        return
    if any(t is table and keys[0] in (_UPDATE, _STMT) for t, keys in _KEPT.get(conn, {})):
        _write(conn)  # one statement may not change a row twice
    _KEPT.setdefault(conn, {})[(table, (_UPDATE, *sorted(values)))] = [{**values, _ID: row_id}]


def defer_statement(stmt: Insert | Update | Delete, params: dict[str, Any]) -> None:
    """Run a Core INSERT, UPDATE or DELETE of one table, its row count and RETURNING not read,
    with the transaction's next statement (PostgreSQL) or now (SQLite, or one of more tables)."""
    conn = db.session.connection()
    touched = _touches(stmt)
    if conn.dialect.name != "postgresql" or len(touched) != 1:
        conn.execute(stmt, params)
        return
    (table,) = touched
    _, types, bound = _statement_text(stmt)
    values = {**bound, **params}
    defaults = dict(_python_defaults(table))
    for name in types.keys() - values.keys():  # a column's Python default, which Core would fill
        if name not in defaults:
            raise ValueError(f"deferred statement: no value for its parameter {name!r}")
        values[name] = defaults[name].arg(None) if defaults[name].is_callable else defaults[name].arg
    if any(t is table for t, _ in _KEPT.get(conn, {})):
        _write(conn)  # as defer_update: one change of a row per statement, kept rows seen
    _KEPT.setdefault(conn, {})[(table, (_STMT, stmt))] = [values]


_UPDATE, _ID, _STMT = "=update", "__id", "=statement"  # markers in a kept group's keys; a row id's parameter


def kept_rows(conn: Connection | None = None) -> int:
    """How many rows wait on the connection (the session's by default): for tests and asserts."""
    conn = conn if conn is not None else db.session.connection()
    return sum(len(rows) for rows in _KEPT.get(conn, {}).values())


def install() -> None:
    """Listen on every engine (once): carry or write kept rows, drop them on a rollback."""
    if not event.contains(Engine, "before_execute", _before_execute):
        event.listen(Engine, "before_execute", _before_execute, retval=True)
        event.listen(Engine, "commit", _before_commit)
        event.listen(Engine, "rollback", _dropped)
    _cache_carrying_statements()


# psycopg converts a statement's %(name)s placeholders to $n once per text (an LRU of 128), but
# not for a statement of over 50 parameters, which it takes for an ORM's one-off multi-row
# VALUES list. A statement carrying kept rows has a few stable shapes and often more (the relay's
# first step: 78), so it was converted again each time: about 0.12 ms of CPU per instance.
PSYCOPG_CACHED_PARAMS = 500


def _cache_carrying_statements() -> None:
    try:
        from psycopg import _queries
    except ImportError:  # no PostgreSQL driver: nothing is carried
        return
    if getattr(_queries, "MAX_CACHED_STATEMENT_PARAMS", PSYCOPG_CACHED_PARAMS) < PSYCOPG_CACHED_PARAMS:
        _queries.MAX_CACHED_STATEMENT_PARAMS = PSYCOPG_CACHED_PARAMS


def _before_execute(conn: Connection, elem: Any, multiparams: list, params: dict,
                    options: Any) -> tuple[Any, list, dict]:
    kept = _KEPT.get(conn)
    if not kept or conn in _WRITING:
        return elem, multiparams, params
    if (not multiparams and "compiled_cache" not in options  # an ORM flush's statement: its own
            and _carries(elem) and _touches(elem).isdisjoint(t for t, _ in kept)):
        del _KEPT[conn]
        groups = tuple((table, keys, len(rows)) for (table, keys), rows in kept.items())
        return _carried(elem, groups), multiparams, {**params, **_params(kept)}
    _write(conn)
    return elem, multiparams, params


def _before_commit(conn: Connection) -> None:
    if _KEPT.get(conn):
        _write(conn)


def _dropped(conn: Connection) -> None:
    _KEPT.pop(conn, None)


def _carries(elem: Any) -> bool:
    """A single-row Core INSERT, UPDATE or DELETE (not the ORM's, whose compiling is its own).

    Not one that touches a table with kept rows (the caller checks `_touches`): the statement
    would not see them (one snapshot), and PostgreSQL runs the CTEs after it, so kept rows of
    the table it inserts into, older, would get the higher ids."""
    if isinstance(elem, Insert):  # one that reads its new id back only by an explicit RETURNING:
        # SQLAlchemy's implicit one (inserted_primary_key) is not compiled with CTEs present
        return (bool(elem._returning) or elem._inline) and not elem._multi_values and _plain(elem)
    return isinstance(elem, Update | Delete) and _plain(elem)


def _plain(elem: Any) -> bool:
    """Core's (not an ORM-enabled statement, whose compiling is its own) and no CTEs of its own."""
    return not elem._propagate_attrs and not elem._independent_ctes


@lru_cache(maxsize=512)  # per statement object: most are built once (functools.cache)
def _touches(elem: Any) -> frozenset[Table]:
    """The tables a statement writes or reads, its subqueries' included."""
    return frozenset(find_tables(elem, include_crud=True, include_joins=True, include_selects=True))


def _write(conn: Connection) -> None:
    """Send the kept rows as one statement of their own."""
    kept = _KEPT.pop(conn, None)
    if not kept:
        return
    groups = tuple((table, keys, len(rows)) for (table, keys), rows in kept.items())
    _WRITING.add(conn)
    try:
        conn.execute(_standalone(groups), _params(kept))
    finally:
        _WRITING.discard(conn)


Groups = tuple[tuple[Table, tuple[str, ...], int], ...]


def _params(kept: dict[tuple[Table, tuple[str, ...]], list[dict]]) -> dict[str, Any]:
    return {_name(g, r, key): value for g, ((_, keys), rows) in enumerate(kept.items())
            for r, row in enumerate(rows) for key, value in row.items()}


def _name(group: int, row: int, key: str) -> str:
    return f"dr{group}_{row}_{key}"


def _inserts(groups: Groups) -> list[tuple[str, list[BindParameter]]]:
    """One multi-row INSERT (or a kept UPDATE) per group, as SQL text and its parameters typed
    by their columns.

    Text: SQLAlchemy caches no compiled form of a multi-row VALUES construct (it would compile
    one per statement), while text, typed binds included, is cached like any statement."""
    quote = _PG.identifier_preparer
    made = []
    for g, (table, keys, count) in enumerate(groups):
        if keys[0] == _UPDATE:
            made.append(_update_sql(g, table, keys[1:]))
            continue
        if keys[0] == _STMT:
            made.append(_statement_sql(g, keys[1]))
            continue
        columns = ", ".join(quote.quote(table.c[key].name) for key in keys)
        rows = ", ".join("(" + ", ".join(f":{_name(g, r, key)}" for key in keys) + ")" for r in range(count))
        binds = [bindparam(_name(g, r, key), type_=table.c[key].type) for r in range(count) for key in keys]
        made.append((f"INSERT INTO {quote.format_table(table)} ({columns}) VALUES {rows}", binds))
    return made


def _update_sql(g: int, table: Table, keys: tuple[str, ...]) -> tuple[str, list[BindParameter]]:
    quote = _PG.identifier_preparer
    (pk,) = table.primary_key.columns
    sets = ", ".join(f"{quote.quote(table.c[key].name)} = :{_name(g, 0, key)}" for key in keys)
    binds = [bindparam(_name(g, 0, key), type_=table.c[key].type) for key in keys]
    binds.append(bindparam(_name(g, 0, _ID), type_=pk.type))
    where = f"{quote.quote(pk.name)} = :{_name(g, 0, _ID)}"
    return f"UPDATE {quote.format_table(table)} SET {sets} WHERE {where}", binds


def _statement_sql(g: int, stmt: Any) -> tuple[str, list[BindParameter]]:
    sql, types, _ = _statement_text(stmt)
    renamed = _BIND.sub(lambda found: f":{_name(g, 0, found.group(1))}", sql)
    return renamed, [bindparam(_name(g, 0, name), type_=type_) for name, type_ in types.items()]


_BIND = re.compile(r"(?<![:\w]):(\w+)(?!:)")  # a bind in named style, as SQLAlchemy's text() finds them
_NAMED = postgresql.dialect(paramstyle="named")
_NAMED.bind_typing = BindTyping.NONE  # no ::TYPE after a bind (text() would not see the bind)


@lru_cache(maxsize=64)  # per statement (those deferred are built once)
def _statement_text(stmt: Any) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """A statement as text with named binds, their types, and the values bound in it."""
    # an INSERT inline: its RETURNING of the new id is not wanted (nothing reads it back)
    compiled = (stmt.inline() if isinstance(stmt, Insert) else stmt).compile(dialect=_NAMED)
    binds = {compiled.bind_names[bind]: bind for bind in compiled.binds.values()}  # anonymous ones named
    bound = {name: bind.value for name, bind in binds.items() if bind.value is not None}
    return str(compiled), {name: bind.type for name, bind in binds.items()}, bound


@lru_cache(maxsize=256)  # per shape: a statement object keeps its compiled form's cache key
def _standalone(groups: Groups) -> TextClause:
    *first, (last, binds) = _inserts(groups)
    ctes = ", ".join(f"dr{g} AS ({sql})" for g, (sql, _) in enumerate(first))
    return text(f"WITH {ctes} {last}" if first else last).bindparams(
        *binds, *(bind for _, group in first for bind in group))


@lru_cache(maxsize=256)  # per statement and shape (the statements are themselves built once)
def _carried(elem: Any, groups: Groups) -> Any:
    return elem.add_cte(*(text(sql).bindparams(*binds).columns().cte(f"dr{g}")
                          for g, (sql, binds) in enumerate(_inserts(groups))))


@lru_cache(maxsize=64)
def _insert_of(table: Table) -> Insert:
    return insert(table).inline()


def _with_defaults(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    """`row` and the Python-side default of each column it lacks (the server's own stay unsent)."""
    missing = [(key, default) for key, default in _python_defaults(table) if key not in row]
    if not missing:
        return row
    full = dict(row)
    for key, default in missing:
        full[key] = default.arg(None) if default.is_callable else default.arg
    return full


@lru_cache(maxsize=64)
def _python_defaults(table: Table) -> tuple[tuple[str, Any], ...]:
    return tuple((c.key, c.default) for c in table.c if c.default is not None and not c.primary_key
                 and (c.default.is_scalar or c.default.is_callable))
