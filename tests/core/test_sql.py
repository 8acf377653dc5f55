"""core.sql: statements batched into one round trip on PostgreSQL, one by one on SQLite; the
same outcomes either way, and a failing statement stops the batch and rolls back."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from learncity.core.sql import Statement, batch, one


@pytest.fixture
def scratch(db):
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE sql_scratch (id INTEGER PRIMARY KEY, v VARCHAR(200) UNIQUE)")
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE sql_scratch")


def test_outcomes_in_order_rows_and_counts(scratch):
    outcomes = batch(
        [
            Statement("INSERT INTO sql_scratch (id, v) VALUES (%s, %s)", [1, "a; DROP TABLE x"]),
            Statement("INSERT INTO sql_scratch (id, v) VALUES (%s, %s)", [2, "%s '; --"]),
            Statement("UPDATE sql_scratch SET v = v WHERE id = %s", [99]),
            Statement("SELECT v FROM sql_scratch ORDER BY id", returns_rows=True),
            Statement("SELECT COUNT(*) FROM sql_scratch WHERE v = %s", ["a; DROP TABLE x"], True),
        ]
    )
    assert [o.rowcount for o in outcomes[:3]] == [1, 1, 0]
    # values with ';', quotes and '%s' travel as values, never as SQL
    assert outcomes[3].rows == [("a; DROP TABLE x",), ("%s '; --",)]
    assert outcomes[4].rows == [(1,)]
    assert one("SELECT COUNT(*) FROM sql_scratch") == (2,)
    assert one("SELECT v FROM sql_scratch WHERE id = %s", [404]) is None
    assert batch([]) == []


def test_a_failing_statement_stops_the_batch_and_rolls_back(scratch):
    batch([Statement("INSERT INTO sql_scratch (id, v) VALUES (%s, %s)", [1, "a"])])
    with pytest.raises(IntegrityError), transaction.atomic():
        batch(
            [
                Statement("INSERT INTO sql_scratch (id, v) VALUES (%s, %s)", [2, "b"]),
                Statement("INSERT INTO sql_scratch (id, v) VALUES (%s, %s)", [3, "a"]),
                Statement("INSERT INTO sql_scratch (id, v) VALUES (%s, %s)", [4, "c"]),
            ]
        )
    assert one("SELECT COUNT(*) FROM sql_scratch") == (1,)


def test_sql_text_with_a_semicolon_is_refused_in_a_batch(scratch):
    with pytest.raises(ValueError, match="';'"):
        batch([Statement("SELECT 1; SELECT 2"), Statement("SELECT 3")])
