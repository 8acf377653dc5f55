"""The database cache of the rate limits, with an increment that two workers cannot lose.

Django's DatabaseCache increments by a read and a write: two workers counting the same key at
once both read 4 and both write 5. Here the row is locked first (SELECT ... FOR UPDATE on
PostgreSQL; on SQLite the transaction takes the write lock at BEGIN, IMMEDIATE mode), so the
second worker reads the first one's count.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, router, transaction


class DatabaseCache(DjangoDatabaseCache):
    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> Any:
        stored = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        table = connection.ops.quote_name(self.cache_model_class._meta.db_table)
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        with transaction.atomic(using=db), connection.cursor() as cursor:
            # the table is the configured LOCATION, quoted; the key a parameter
            query = f"SELECT cache_key FROM {table} WHERE cache_key = %s{lock}"  # noqa: S608
            cursor.execute(query, [stored])
            return super().incr(key, delta, version=version)
