"""The names of learners' tables, and the roles query of the kiosk's hot path, for the plain
SQL of the contexts above it (enrolment's apply and its locks, attendance's check-in,
analytics' snapshot): their SQL reads these tables only through what is published here, never
by writing `learners_...` itself (tests/architecture/test_sql_tables.py)."""

from __future__ import annotations

from django.contrib.auth.models import User

from learncity.core.sql import table
from learncity.learners.models import Learner, StaffRole

LEARNER = table(Learner)
STAFF_ROLE = table(StaffRole)
_USER = table(User)

# a user's staff roles as (role, institution id, district code) (%s: the user), the rows
# learncity.learners.access reads; a Django superuser (`createsuperuser`) holds the city
# administrator's role as well (docs/access.md)
ROLES_OF_USER = (
    "WITH me(id) AS (SELECT CAST(%s AS BIGINT))"
    f" SELECT r.role, r.institution_id, r.district_code FROM {STAFF_ROLE} r"
    " JOIN me ON r.user_id = me.id"
    f" UNION ALL SELECT 'city_admin', NULL, '' FROM {_USER} u"
    " JOIN me ON u.id = me.id WHERE u.is_superuser"
)
