"""The names of learners' tables, and the roles query of the kiosk's hot path, for the plain
SQL of the contexts above it (enrolment's apply and its locks, attendance's check-in,
analytics' snapshot): their SQL reads these tables only through what is published here, never
by writing `learners_...` itself (tests/architecture/test_sql_tables.py)."""

from __future__ import annotations

from learncity.core.sql import table
from learncity.learners.models import Learner, StaffRole

LEARNER = table(Learner)
STAFF_ROLE = table(StaffRole)

# a user's staff roles as (role, institution id, district code) (%s: the user), the rows
# learncity.learners.access reads
ROLES_OF_USER = f"SELECT role, institution_id, district_code FROM {STAFF_ROLE} WHERE user_id = %s"
