"""Bulk inserts for large loads: COPY on PostgreSQL, executemany on SQLite.

Creating hundreds of thousands of model instances would take the ORM minutes; loads that
write that many rows hand plain tuples to the database instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection


def rows_insert(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert `rows` (tuples in `columns` order) into `table` (a model's db_table)."""
    quoted = connection.ops.quote_name(table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {quoted} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {quoted} ({names}) VALUES ({marks})"  # noqa: S608
            cursor.executemany(sql, list(rows))
