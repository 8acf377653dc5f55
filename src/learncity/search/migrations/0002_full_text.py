"""The full-text part of the index, per engine (see learncity.search.models)."""

from django.db import migrations

SQLITE = [
    """CREATE VIRTUAL TABLE search_fts USING fts5(
        terms, grams, body,
        content='search_searchdocument', content_rowid='programme_id',
        tokenize='unicode61 remove_diacritics 0')""",
    """CREATE TRIGGER search_doc_ai AFTER INSERT ON search_searchdocument BEGIN
        INSERT INTO search_fts(rowid, terms, grams, body)
        VALUES (new.programme_id, new.terms, new.grams, new.body);
    END""",
    """CREATE TRIGGER search_doc_ad AFTER DELETE ON search_searchdocument BEGIN
        INSERT INTO search_fts(search_fts, rowid, terms, grams, body)
        VALUES ('delete', old.programme_id, old.terms, old.grams, old.body);
    END""",
    """CREATE TRIGGER search_doc_au AFTER UPDATE OF terms, grams, body ON search_searchdocument BEGIN
        INSERT INTO search_fts(search_fts, rowid, terms, grams, body)
        VALUES ('delete', old.programme_id, old.terms, old.grams, old.body);
        INSERT INTO search_fts(rowid, terms, grams, body)
        VALUES (new.programme_id, new.terms, new.grams, new.body);
    END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS search_doc_au",
    "DROP TRIGGER IF EXISTS search_doc_ad",
    "DROP TRIGGER IF EXISTS search_doc_ai",
    "DROP TABLE IF EXISTS search_fts",
]
POSTGRESQL = [
    """ALTER TABLE search_searchdocument ADD COLUMN vector tsvector
        GENERATED ALWAYS AS (
            setweight(to_tsvector('simple', terms), 'A')
            || setweight(to_tsvector('simple', grams), 'B')
            || setweight(to_tsvector('simple', body), 'C')
        ) STORED""",
    "CREATE INDEX search_doc_vector ON search_searchdocument USING gin (vector)",
]
POSTGRESQL_DROP = [
    "DROP INDEX IF EXISTS search_doc_vector",
    "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS vector",
]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP}),
        ),
    ]
