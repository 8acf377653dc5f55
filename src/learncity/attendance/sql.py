"""The names of attendance's tables, for the plain SQL of the contexts above it (analytics'
snapshot): their SQL reads these tables only through the names published here, never by
writing `attendance_...` itself (tests/architecture/test_sql_tables.py)."""

from __future__ import annotations

from learncity.attendance.models import Attendance, CompletionEvent
from learncity.core.sql import table

ATTENDANCE = table(Attendance)
COMPLETION_EVENT = table(CompletionEvent)
