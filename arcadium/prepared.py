"""Hot-path queries as server-side prepared statements.

Django binds parameters on the client (psycopg's ClientCursor), so PostgreSQL parses and plans
every statement again. A few statements run on every call (the caller lookup, the webhook's
subscription check): these are prepared once per pooled connection and then only bound and run.
psycopg keeps the prepared statement by its text, per connection.
"""

import time
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, TypeVar

import psycopg
from django.db import connection
from django.db.models import Model

M = TypeVar("M", bound=Model)


def fetch_all(sql: str, params: Sequence[Any]) -> list[tuple]:
    """The rows of `sql` (placeholders `%s`): prepared on PostgreSQL, a plain query elsewhere."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    connection.ensure_connection()
    # Under Django's transaction handling as any query (same connection, same atomic block);
    # only the binding differs: server-side, so the statement can be prepared.
    started = time.monotonic()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
        rows = cursor.fetchall()
    if connection.queries_logged:  # DEBUG and CaptureQueriesContext see it as any other query
        connection.queries_log.append(
            {"sql": f"{sql} -- prepared, {list(params)}", "time": f"{time.monotonic() - started:.3f}"}
        )
    return rows


def instance(model: type[M], names: Sequence[str], values: Sequence[Any]) -> M:
    """A model instance from its columns in a raw row (`names`: attnames), through the converters
    the ORM would apply (SQLite's dates, JSON, encrypted fields, …)."""
    converted = list(values)
    for index, expression, converters in _converters(model, tuple(names)):
        for convert in converters:
            converted[index] = convert(converted[index], expression, connection)
    return model.from_db(connection.alias, names, converted)


@cache
def _converters(model: type[Model], names: tuple[str, ...]) -> list[tuple[int, Any, list[Callable]]]:
    found = []
    for index, name in enumerate(names):
        column = model._meta.get_field(name).get_col(model._meta.db_table)  # type: ignore[union-attr]
        converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if converters:
            found.append((index, column, converters))
    return found
