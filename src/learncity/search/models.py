"""The search context's one table: the change log that keeps every search index in step.

The index itself is not in the database: it is a Tantivy index on each machine's disk
(learncity.search.engine), derived from the catalogue and rebuilt from it at will. Every
write that changes what search shows records a `SearchChange` in the same transaction:
database triggers on the catalogue's programme, schedule, venue and institution tables
(migration 0004), so that no write path (import, staff edit, geocoding, bulk update, raw
SQL) can forget it.

A change is recorded without a number; the indexer numbers the waiting changes in one
short transaction under a lock (`indexer.claim`), so change numbers increase in the order
their changes became visible. (Numbering at insert would not: on PostgreSQL a transaction
that took number 100 can commit after one that took 101, and an index that had applied 101
would never apply 100.)
"""

from __future__ import annotations

from django.db import models


class SearchChange(models.Model):
    id = models.BigAutoField(primary_key=True)
    programme_id = models.BigIntegerField(help_text="the programme to index again (or remove)")
    change_no = models.BigIntegerField(null=True, blank=True, unique=True)
    token = models.CharField(max_length=32, blank=True, default="")
    created = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["id"],
                name="search_change_waiting",
                condition=models.Q(change_no__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"search change {self.change_no or '(waiting)'} of programme {self.programme_id}"
