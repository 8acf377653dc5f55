"""The names of records' tables, for the plain SQL of the contexts above it (analytics'
snapshot): their SQL reads these tables only through the names published here, never by
writing `records_...` itself (tests/architecture/test_sql_tables.py)."""

from __future__ import annotations

from learncity.core.sql import table
from learncity.records.models import RecordEntry

RECORD_ENTRY = table(RecordEntry)
