"""Hot-path queries as server-side prepared statements, their SQL written once per process.

Django binds parameters on the client (psycopg's ClientCursor), so PostgreSQL parses and plans
every statement again, and the ORM compiles each queryset anew (about a millisecond for a wide
row). The statements that run on every call (the caller lookup, the webhook's subscription check,
the call's row lock, insert and updates, the inbox claim) are built here from model metadata
once, prepared once per pooled connection and then only bound and run. psycopg keeps the
prepared statement by its text, per connection.
"""

import time
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, TypeVar

import psycopg
from django.db import connection
from django.db.models import Model

M = TypeVar("M", bound=Model)


def fetch_all(sql: str, params: Sequence[Any], *, first: Sequence[str] = ()) -> list[tuple]:
    """The rows of `sql` (placeholders `%s`): prepared on PostgreSQL, a plain query elsewhere.
    `first`: statements without parameters to run before it, in the same round trip on PostgreSQL
    (a pipeline)."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            for statement in first:
                cursor.execute(statement)
            cursor.execute(sql, params)
            return cursor.fetchall()
    connection.ensure_connection()
    # Under Django's transaction handling as any query (same connection, same atomic block);
    # only the binding differs: server-side, so the statement can be prepared.
    started = time.monotonic()
    raw = connection.connection
    with connection.wrap_database_errors, psycopg.Cursor(raw) as cursor:
        if first:
            with raw.pipeline():
                for statement in first:
                    cursor.execute(statement, prepare=True)
                cursor.execute(sql, params, prepare=True)
        else:
            cursor.execute(sql, params, prepare=True)
        rows = cursor.fetchall()
    if connection.queries_logged:  # DEBUG and CaptureQueriesContext see it as any other query
        connection.queries_log.append(
            {"sql": f"{sql} -- prepared, {list(params)}", "time": f"{time.monotonic() - started:.3f}"}
        )
    return rows


def run(sql: str, params: Sequence[Any]) -> int:
    """Run a statement that returns no rows (prepared on PostgreSQL); the rows it changed."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount
    connection.ensure_connection()
    started = time.monotonic()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
        count = cursor.rowcount
    if connection.queries_logged:
        connection.queries_log.append(
            {"sql": f"{sql} -- prepared, {list(params)}", "time": f"{time.monotonic() - started:.3f}"}
        )
    return count


@cache
def columns(model: type[Model], alias: str = "") -> tuple[str, tuple[str, ...]]:
    """The SELECT list of every concrete column of `model` (qualified by `alias`) and their
    attnames, in the order `instance` takes them."""
    fields = model._meta.concrete_fields
    prefix = f"{alias}." if alias else ""
    return ", ".join(f'{prefix}"{f.column}"' for f in fields), tuple(f.attname for f in fields)


def select(
    model: type[M], where: str, params: Sequence[Any], *, lock: str = "", fields: Sequence[str] = ()
) -> list[M]:
    """Instances of `model` whose row matches `where` (SQL on the model's own columns, `%s`
    placeholders, ORDER BY and LIMIT allowed), locked with `lock` ("FOR UPDATE", "FOR UPDATE SKIP
    LOCKED") where the database locks rows (SQLite locks the whole database on a write anyway).
    `fields` (attnames): only those columns and the pk are read, the rest deferred as with only()."""
    sql, names = _select_sql(model, where, lock, tuple(fields))
    return [instance(model, names, row) for row in fetch_all(sql, params)]


@cache
def _select_sql(
    model: type[Model], where: str, lock: str, fields: tuple[str, ...]
) -> tuple[str, tuple[str, ...]]:
    if fields:
        meta = model._meta
        # In the model's column order: from_db fills the deferred ones in between.
        chosen = [f for f in meta.concrete_fields if f is meta.pk or f.attname in fields]
        selected, names = ", ".join(f'"{f.column}"' for f in chosen), tuple(f.attname for f in chosen)
    else:
        selected, names = columns(model)
    locking = f" {lock}" if lock and connection.features.has_select_for_update else ""
    # Identifiers come from model metadata and `where` from code; values are bound parameters.
    return f"SELECT {selected} FROM {model._meta.db_table} WHERE {where}{locking}", names  # noqa: S608


def any_of(column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """`column` is one of `values`: one statement text whatever their number on PostgreSQL (an
    array parameter), so it is prepared once; an IN list elsewhere."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(values)]
    if not values:
        return "FALSE", []
    return f"{column} IN ({', '.join('%s' for _ in values)})", list(values)


def insert(obj: Model, *, on_conflict: str = "") -> bool:
    """INSERT the new `obj` (auto_now fields stamped, as save() would) and set its pk; with
    `on_conflict` (the conflict target, e.g. `(a, b) WHERE c <> ''`), a row that exists already
    is left alone and False is returned. One statement: no savepoint needed for the conflict."""
    meta = obj._meta
    fields = [f for f in meta.concrete_fields if f is not meta.pk]
    values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    rows = fetch_all(_insert_sql(type(obj), on_conflict), values)
    if not rows:
        return False
    obj.pk = rows[0][0]
    obj._state.adding = False
    obj._state.db = connection.alias
    return True


@cache
def _insert_sql(model: type[Model], on_conflict: str) -> str:
    meta = model._meta
    names = ", ".join(f'"{f.column}"' for f in meta.concrete_fields if f is not meta.pk)
    placeholders = ", ".join("%s" for f in meta.concrete_fields if f is not meta.pk)
    conflict = f" ON CONFLICT {on_conflict} DO NOTHING" if on_conflict else ""
    return (
        f"INSERT INTO {meta.db_table} ({names}) VALUES ({placeholders}){conflict} "  # noqa: S608
        f'RETURNING "{meta.pk.column}"'
    )


def update(obj: Model, fields: Sequence[str] | None = None) -> None:
    """UPDATE `obj`'s row with its `fields` (attnames or names; all of them when None), auto_now
    fields stamped as save() would: save(update_fields=…) without compiling a query."""
    chosen = _update_fields(type(obj), tuple(fields) if fields is not None else None)
    values = [f.get_db_prep_save(f.pre_save(obj, False), connection) for f in chosen]
    run(_update_sql(type(obj), tuple(f.column for f in chosen)), [*values, obj.pk])


@cache
def _update_fields(model: type[Model], names: tuple[str, ...] | None) -> list:
    meta = model._meta
    fields = [f for f in meta.concrete_fields if f is not meta.pk]
    if names is None:
        return fields
    wanted = set(names)
    return [f for f in fields if wanted & {f.name, f.attname} or getattr(f, "auto_now", False)]


@cache
def _update_sql(model: type[Model], columns: tuple[str, ...]) -> str:
    meta = model._meta
    assignments = ", ".join(f'"{c}" = %s' for c in columns)
    return f'UPDATE {meta.db_table} SET {assignments} WHERE "{meta.pk.column}" = %s'  # noqa: S608


def instance(model: type[M], names: Sequence[str], values: Sequence[Any]) -> M:
    """A model instance from its columns in a raw row (`names`: attnames), through the converters
    the ORM would apply (SQLite's dates, JSON, encrypted fields, …)."""
    return model.from_db(connection.alias, names, converted(model, names, values))


def converted(model: type[Model], names: Sequence[str], values: Sequence[Any]) -> list[Any]:
    """A raw row's values as the model's fields `names` (attnames) read them, without building
    an instance (cheaper, for many rows)."""
    found = list(values)
    for index, expression, converters in _converters(model, tuple(names)):
        for convert in converters:
            found[index] = convert(found[index], expression, connection)
    return found


@cache
def _converters(model: type[Model], names: tuple[str, ...]) -> list[tuple[int, Any, list[Callable]]]:
    found = []
    for index, name in enumerate(names):
        column = model._meta.get_field(name).get_col(model._meta.db_table)  # type: ignore[union-attr]
        converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if converters:
            found.append((index, column, converters))
    return found
