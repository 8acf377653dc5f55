"""Plain SQL for the few hot paths where the ORM's query compilation or the number of round
trips to the database server is the cost (registration day's apply).

`batch` runs several statements in order. On PostgreSQL they travel as one query string in one
round trip (psycopg's client-side binding merges the parameters, and PostgreSQL runs each
statement with its own snapshot, in order, inside the current transaction; the first failing
statement stops the rest and raises). On SQLite, which runs in-process, they run one by one.
Either way the caller sees one `Outcome` per statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection


@dataclass(frozen=True)
class Statement:
    sql: str
    params: Sequence[Any] = ()
    returns_rows: bool = False


@dataclass(frozen=True)
class Outcome:
    rows: list[tuple[Any, ...]]
    rowcount: int


def one(sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
    """The first row of one query, or None."""
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
