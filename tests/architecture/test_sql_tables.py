"""Raw SQL in one context never names another context's table: the hot paths take the table
names and fragments the owning context publishes (its `sql.py`). Migrations are exempt (they
are the history of a context's own tables)."""

from __future__ import annotations

from pathlib import Path

from django.apps import apps

from learncity.core.contracts import PACKAGE, TableUse, foreign_tables


def _labels_and_tables() -> tuple[list[str], dict[str, str]]:
    configs = [c for c in apps.get_app_configs() if c.name.startswith("learncity.")]
    tables = {
        model._meta.db_table: config.label
        for config in configs
        for model in config.get_models(include_auto_created=True)
    }
    return [config.label for config in configs], tables


def _scan(source: str, *, own: str | None, path: str = "example.py") -> list[TableUse]:
    labels, tables = _labels_and_tables()
    return foreign_tables(source, path=path, own=own, labels=labels, tables=tables)


def _modules() -> list[Path]:
    return sorted(
        path
        for path in Path(PACKAGE).rglob("*.py")
        if "migrations" not in path.relative_to(PACKAGE).parts
    )


def test_no_module_names_another_contexts_table() -> None:
    labels, tables = _labels_and_tables()
    found: list[TableUse] = []
    modules = _modules()
    assert len(modules) > 150  # the scan reads the whole package
    for path in modules:
        relative = path.relative_to(PACKAGE)
        own = relative.parts[0] if len(relative.parts) > 1 else None  # cli.py owns no table
        found += foreign_tables(
            path.read_text(encoding="utf-8"),
            path=f"src/learncity/{relative}",
            own=own if own in labels else None,
            labels=labels,
            tables=tables,
        )
    assert not found, "SQL naming another context's table (use its sql.py):\n" + "\n".join(
        map(str, found)
    )


WRONG = '''"""A docstring may mention catalog_session: prose, not SQL."""

_OWN = "SELECT id FROM attendance_attendance WHERE id = %s"
_WRONG = (
    "SELECT s.id FROM catalog_session s"
    " JOIN learners_learner l ON l.id = %s"
)


def rows(table_name: str) -> str:
    return f"SELECT * FROM {table_name} JOIN enrollment_application a ON a.id = 1"


ORPHAN = "records_recordentry"
MADE_UP = "DELETE FROM vouchers_nothing_like_this"
NOT_SQL = "records_sync ran"
'''


def test_the_scanner_fails_on_a_deliberately_wrong_query() -> None:
    found = _scan(WRONG, own="attendance", path="src/learncity/attendance/wrong.py")
    assert [(use.line, use.table, use.owner) for use in found] == [
        (5, "catalog_session", "catalog"),
        (5, "learners_learner", "learners"),
        (11, "enrollment_application", "enrollment"),
        (14, "records_recordentry", "records"),
        (15, "vouchers_nothing_like_this", "vouchers"),
    ]
    assert str(found[0]) == (
        "src/learncity/attendance/wrong.py:5: catalog_session (a table of catalog)"
    )


def test_the_owner_may_name_its_own_tables() -> None:
    assert _scan(WRONG, own="attendance")[0].table == "catalog_session"
    assert [use.table for use in _scan(WRONG, own="catalog")] == [
        "attendance_attendance",
        "learners_learner",
        "enrollment_application",
        "records_recordentry",
        "vouchers_nothing_like_this",
    ]
    assert _scan('Q = "SELECT id FROM catalog_session WHERE id = %s"\n', own="catalog") == []


def test_a_module_outside_every_context_owns_no_table() -> None:
    found = _scan('Q = "SELECT id FROM attendance_attendance"\n', own=None)
    assert [(use.table, use.owner) for use in found] == [("attendance_attendance", "attendance")]
