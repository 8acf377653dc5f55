"""The names of enrolment's tables, for the plain SQL of the contexts above it (attendance's
kiosk check-in and first check-in code, analytics' snapshot): their SQL reads these tables
only through the names published here, never by writing `enrollment_...` itself
(tests/architecture/test_sql_tables.py)."""

from __future__ import annotations

from learncity.core.sql import table
from learncity.enrollment.models import Application, Offer

OFFER = table(Offer)
APPLICATION = table(Application)
