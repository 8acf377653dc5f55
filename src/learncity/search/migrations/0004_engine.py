"""Search on Tantivy (issue 20): the FTS5 / tsvector index tables go, the change log comes.

Triggers record a change for every write that changes what search shows: a programme or its
schedule inserted, updated or deleted; a venue or institution updated (every programme held
there). The change is numbered later by the indexer (see learncity.search.models).
"""

from django.db import migrations, models

_SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now')"


def _sqlite() -> list[str]:
    out = []
    for table, key in (("catalog_programme", "id"), ("catalog_schedule", "programme_id")):
        for event, row in (("INSERT", "new"), ("UPDATE", "new"), ("DELETE", "old")):
            out.append(
                f"""CREATE TRIGGER search_change_{table}_{event.lower()} AFTER {event} ON {table}
                BEGIN
                    INSERT INTO search_searchchange (programme_id, token, created)
                    VALUES ({row}.{key}, '', {_SQLITE_NOW});
                END"""
            )
    out.append(  # a schedule moved to another programme: the old one changes too
        f"""CREATE TRIGGER search_change_catalog_schedule_move AFTER UPDATE OF programme_id
        ON catalog_schedule WHEN old.programme_id <> new.programme_id
        BEGIN
            INSERT INTO search_searchchange (programme_id, token, created)
            VALUES (old.programme_id, '', {_SQLITE_NOW});
        END"""
    )
    for table, column in (("catalog_venue", "venue_id"), ("catalog_institution", "institution_id")):
        out.append(
            f"""CREATE TRIGGER search_change_{table}_update AFTER UPDATE ON {table}
            BEGIN
                INSERT INTO search_searchchange (programme_id, token, created)
                SELECT id, '', {_SQLITE_NOW} FROM catalog_programme WHERE {column} = new.id;
            END"""
        )
    return out


def _sqlite_drop() -> list[str]:
    names = [
        f"search_change_{t}_{e}"
        for t in ("catalog_programme", "catalog_schedule")
        for e in ("insert", "update", "delete")
    ]
    names += [
        "search_change_catalog_schedule_move",
        "search_change_catalog_venue_update",
        "search_change_catalog_institution_update",
    ]
    return [f"DROP TRIGGER IF EXISTS {n}" for n in names]


POSTGRESQL = [
    """CREATE FUNCTION search_change_row() RETURNS trigger AS $$
    DECLARE
        key text := TG_ARGV[0];
        old_id bigint;
        new_id bigint;
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            old_id := (to_jsonb(OLD) ->> key)::bigint;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            new_id := (to_jsonb(NEW) ->> key)::bigint;
            INSERT INTO search_searchchange (programme_id, token, created)
            VALUES (new_id, '', now());
        END IF;
        IF old_id IS NOT NULL AND old_id IS DISTINCT FROM new_id THEN
            INSERT INTO search_searchchange (programme_id, token, created)
            VALUES (old_id, '', now());
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    """CREATE FUNCTION search_change_venue() RETURNS trigger AS $$
    BEGIN
        INSERT INTO search_searchchange (programme_id, token, created)
        SELECT id, '', now() FROM catalog_programme WHERE venue_id = NEW.id;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    """CREATE FUNCTION search_change_institution() RETURNS trigger AS $$
    BEGIN
        INSERT INTO search_searchchange (programme_id, token, created)
        SELECT id, '', now() FROM catalog_programme WHERE institution_id = NEW.id;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER search_change_programme AFTER INSERT OR UPDATE OR DELETE
        ON catalog_programme FOR EACH ROW EXECUTE FUNCTION search_change_row('id')""",
    """CREATE TRIGGER search_change_schedule AFTER INSERT OR UPDATE OR DELETE
        ON catalog_schedule FOR EACH ROW EXECUTE FUNCTION search_change_row('programme_id')""",
    """CREATE TRIGGER search_change_venue AFTER UPDATE ON catalog_venue
        FOR EACH ROW EXECUTE FUNCTION search_change_venue()""",
    """CREATE TRIGGER search_change_institution AFTER UPDATE ON catalog_institution
        FOR EACH ROW EXECUTE FUNCTION search_change_institution()""",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS search_change_programme ON catalog_programme",
    "DROP TRIGGER IF EXISTS search_change_schedule ON catalog_schedule",
    "DROP TRIGGER IF EXISTS search_change_venue ON catalog_venue",
    "DROP TRIGGER IF EXISTS search_change_institution ON catalog_institution",
    "DROP FUNCTION IF EXISTS search_change_row()",
    "DROP FUNCTION IF EXISTS search_change_venue()",
    "DROP FUNCTION IF EXISTS search_change_institution()",
]
OLD_SQLITE = [
    "DROP TRIGGER IF EXISTS search_doc_au",
    "DROP TRIGGER IF EXISTS search_doc_ad",
    "DROP TRIGGER IF EXISTS search_doc_ai",
    "DROP TABLE IF EXISTS search_fts",
]


def _run(statements):
    def run(apps, schema_editor):
        found = statements.get(schema_editor.connection.vendor, [])
        for statement in found() if callable(found) else found:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0003_state"), ("catalog", "0004_venue_location_source")]

    operations = [
        migrations.RunPython(_run({"sqlite": OLD_SQLITE}), migrations.RunPython.noop),
        migrations.DeleteModel(name="SearchDocument"),
        migrations.DeleteModel(name="SearchTerm"),
        migrations.DeleteModel(name="SearchState"),
        migrations.CreateModel(
            name="SearchChange",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                (
                    "programme_id",
                    models.BigIntegerField(help_text="the programme to index again (or remove)"),
                ),
                ("change_no", models.BigIntegerField(blank=True, null=True, unique=True)),
                ("token", models.CharField(blank=True, default="", max_length=32)),
                ("created", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "indexes": [
                    models.Index(
                        condition=models.Q(("change_no__isnull", True)),
                        fields=["id"],
                        name="search_change_waiting",
                    )
                ],
            },
        ),
        migrations.RunPython(
            _run({"sqlite": _sqlite, "postgresql": POSTGRESQL}),
            _run({"sqlite": _sqlite_drop, "postgresql": POSTGRESQL_DROP}),
        ),
    ]
