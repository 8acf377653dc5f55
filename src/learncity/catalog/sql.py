"""The names of catalog's tables, and the one fragment of catalog SQL another context runs on
its hot path, for the plain SQL of the contexts above it (attendance's kiosk check-in,
enrolment's apply, analytics' snapshot): their SQL reads these tables only through what is
published here, never by writing `catalog_...` itself (tests/architecture/test_sql_tables.py).
"""

from __future__ import annotations

from learncity.catalog.models import Institution, Programme, Schedule, Session, Venue
from learncity.core.sql import table
from learncity.regions.sql import REGION

INSTITUTION = table(Institution)
VENUE = table(Venue)
PROGRAMME = table(Programme)
SCHEDULE = table(Schedule)
SESSION = table(Session)

# A session as catalog.session_selectors.SessionRow holds it, column for column (id,
# schedule, programme, institution, district code, venue, venue name, date, starts, ends,
# all day, status, note, display title, title, room as published), from the session `s` and
# its schedule `c` and programme `p`: the caller adds its WHERE on `s`.
SESSION_ROWS = (
    "SELECT s.id, s.schedule_id, c.programme_id, p.institution_id, d.code, p.venue_id,"
    " v.name, s.date, s.starts_at, s.ends_at, s.all_day, s.status, s.note,"
    " p.display_title, p.title, c.place"
    f" FROM {SESSION} s"
    f" JOIN {SCHEDULE} c ON c.id = s.schedule_id"
    f" JOIN {PROGRAMME} p ON p.id = c.programme_id"
    f" LEFT JOIN {VENUE} v ON v.id = p.venue_id"
    f" LEFT JOIN {REGION} d ON d.id = v.district_id"
)

# the institution of a venue and its district's code (%s: the venue)
VENUE_OWNER = (
    f"SELECT v.institution_id, d.code FROM {VENUE} v"
    f" LEFT JOIN {REGION} d ON d.id = v.district_id WHERE v.id = %s"
)
