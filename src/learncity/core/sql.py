"""Plain SQL for the few hot paths where the ORM's query compilation or the number of round
trips to the database server is the cost (registration day's apply).

`batch` runs several statements in order. On PostgreSQL they travel in one round trip as
prepared statements in psycopg's pipeline mode: each is planned once per connection (planning
cost more than running these statements), PostgreSQL runs each with its own snapshot, in
order, inside the current transaction, and the first failing statement stops the rest and
raises. On SQLite, which runs in-process, they run one by one. Either way the caller sees one
`Outcome` per statement. `one` reads one row the same way.

LEARNCITY_DB_PREPARED=0 turns prepared statements off (e.g. behind a connection pooler in
transaction mode that does not support them): the batch then travels as one query string.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Model

_PREPARED = os.environ.get("LEARNCITY_DB_PREPARED", "1") != "0"


@dataclass(frozen=True)
class Statement:
    sql: str
    params: Sequence[Any] = ()
    returns_rows: bool = False


@dataclass(frozen=True)
class Outcome:
    rows: list[tuple[Any, ...]]
    rowcount: int


def table(model: type[Model]) -> str:
    """A model's table name, quoted for this database: what a context publishes in its
    `sql.py` so that the SQL of another context reads its tables without naming them
    (tests/architecture/test_sql_tables.py)."""
    return str(connection.ops.quote_name(model._meta.db_table))


def one(sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
    """The first row of one query, or None."""
    if connection.vendor == "postgresql" and _PREPARED:
        outcome = _prepared([Statement(sql, params, returns_rows=True)])[0]
        return outcome.rows[0] if outcome.rows else None
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        row: tuple[Any, ...] | None = cursor.fetchone()
        return row


def batch(statements: Sequence[Statement]) -> list[Outcome]:
    """Run the statements in order (one round trip on PostgreSQL); one outcome each."""
    if not statements:
        return []
    if len(statements) > 1 and any(";" in statement.sql for statement in statements):
        # refused on every database, so that a batch that works on SQLite works on PostgreSQL
        raise ValueError("a batched statement may not contain ';'")
    if connection.vendor == "postgresql" and _PREPARED:
        return _prepared(statements)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql" or len(statements) == 1:
            outcomes = []
            for statement in statements:
                cursor.execute(statement.sql, list(statement.params))
                rows = cursor.fetchall() if statement.returns_rows else []
                outcomes.append(Outcome(rows, cursor.rowcount))
            return outcomes
        cursor.execute(
            "; ".join(statement.sql for statement in statements),
            [param for statement in statements for param in statement.params],
        )
        outcomes = []
        for number, statement in enumerate(statements):
            if number:
                cursor.nextset()
            rows = cursor.fetchall() if statement.returns_rows else []
            outcomes.append(Outcome(rows, cursor.rowcount))
        return outcomes


def _prepared(statements: Sequence[Statement]) -> list[Outcome]:
    """PostgreSQL: prepared statements (server-side binding), pipelined into one round trip."""
    import psycopg

    connection.close_if_health_check_failed()  # as Django's own cursors do (CONN_HEALTH_CHECKS)
    connection.ensure_connection()
    raw = connection.connection
    with connection.wrap_database_errors:
        cursors: list[psycopg.Cursor[Any]] = []
        try:
            with raw.pipeline():
                for statement in statements:
                    cursor: psycopg.Cursor[Any] = psycopg.Cursor(raw)
                    cursors.append(cursor)
                    cursor.execute(statement.sql, list(statement.params), prepare=True)
            return [
                Outcome(cursor.fetchall() if statement.returns_rows else [], cursor.rowcount)
                for statement, cursor in zip(statements, cursors, strict=True)
            ]
        finally:
            for cursor in cursors:
                cursor.close()
