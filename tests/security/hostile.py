"""What the hostile-input run shares: hostile values (Hypothesis strategies), the budget of
requests, a cheap fingerprint of the database, and the tally that the summary line prints.

The budget: `LEARNCITY_FUZZ_REQUESTS` requests in all (the API's operations and the site's
forms, about half each); without it, `DEFAULT_REQUESTS` for the database in use. Each
operation or page gets its share as Hypothesis examples (one request each).
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

# requests in all (API + forms) when LEARNCITY_FUZZ_REQUESTS is not set, per database vendor
# measured on the 2-core CI machine: about 21 ms a request on SQLite, 57 ms on PostgreSQL
DEFAULT_REQUESTS = {"sqlite": 5200, "postgresql": 1600}
API_SHARE = 0.5


def total_requests() -> int:
    """The whole run's budget: LEARNCITY_FUZZ_REQUESTS, or the default for the database."""
    from django.conf import settings

    raw = os.environ.get("LEARNCITY_FUZZ_REQUESTS", "").strip()
    if raw:
        return max(0, int(raw))
    vendor = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return DEFAULT_REQUESTS.get(vendor.replace("postgresql_psycopg2", "postgresql"), 5200)


def share(kind: str, parts: int, weight: float = 1.0, total_weight: float = 1.0) -> int:
    """Examples for one of `parts` operations (kind "api") or pages (kind "pages"), scaled by
    its weight among the total weight of that kind; at least 1."""
    portion = API_SHARE if kind == "api" else 1 - API_SHARE
    return max(1, math.ceil(total_requests() * portion * weight / max(total_weight, parts)))


# -- hostile values ----------------------------------------------------------------------

LONG = 100_000
HOSTILE_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "%00",
    "\r\n\r\nX-Injected: 1",
    "\t=1+2",
    "-2+3",
    "@SUM(A1)",
    "' OR '1'='1",
    "'; DROP TABLE auth_user; --",
    '" OR 1=1 --',
    "1; SELECT pg_sleep(5)",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "{{ 7*7 }}",
    "{% debug %}",
    "${7*7}",
    "%s%s%s%n",
    "../../../../etc/passwd",
    "\\..\\..\\windows\\win.ini",
    "\u202e\u0645\u0631\u062d\u0628\u0627",  # right-to-left override
    "\ufeffBOM",
    "\u200b\u200c\u200d",
    "e\u0301" * 50,  # combining marks
    "\U0001f600" * 64,  # outside the BMP
    "\ud800",  # a lone surrogate: not encodable as UTF-8
    "\uffff\ufffe",
    "ǅ ß İ ﬁ",  # case mapping surprises
    "가" * 300,
    "x" * LONG,
    "0",
    "-1",
    "2147483648",
    "9223372036854775808",
    "-9223372036854775809",
    "9" * 40,
    "1e309",
    "NaN",
    "Infinity",
    "0x1F",
    " 12 ",
    "١٢٣",  # Arabic-Indic digits: int() reads them
    "１２３",  # full-width digits
    "²",  # a superscript: str.isdigit() says yes, int() refuses it (found a 500)
    "2026-02-30",
    "0000-00-00",
    "9999-12-31",
    "10000-01-01",
    "2026-13-01T25:61",
    "1970-01-01T00:00:00+99:00",
    "true",
    "null",
    "[]",
    "{}",
]
HOSTILE_NAMES = ["", "\x00", "x" * 2000, "__proto__", "constructor", "a[b]", "id", "pk", "action"]


def text() -> st.SearchStrategy[str]:
    """A hostile string: a known nasty one, or anything Hypothesis makes (NUL, surrogates and
    every category of Unicode included), sometimes very long."""
    anything = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)
    return st.one_of(
        st.sampled_from(HOSTILE_TEXT),
        anything,
        anything.map(lambda s: (s or "x") * 3000),
    )


def sendable(value: str) -> str:
    """The string as a URL can carry it: a lone surrogate has no UTF-8, so it becomes U+FFFD
    (the forms send the raw bytes instead; JSON bodies escape it)."""
    return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def url_text() -> st.SearchStrategy[str]:
    return text().map(sendable)


def number() -> st.SearchStrategy[Any]:
    """A hostile JSON number (or a non-number where a number belongs)."""
    return st.one_of(
        st.sampled_from([0, -1, 2**31, 2**63, 2**64, -(2**63) - 1, 10**40, 1.5, -0.0, 1e308]),
        st.integers(),
        st.booleans(),
        st.none(),
        text(),
    )


def json_value() -> st.SearchStrategy[Any]:
    """Any hostile JSON value, nested a little."""
    scalar = st.one_of(number(), text(), st.none(), st.booleans())
    return st.recursive(
        scalar,
        lambda inner: st.one_of(
            # a key with a lone surrogate cannot be a JSON object's key on the wire (nor in
            # schemathesis' own check of the body): keys are made sendable, values stay raw
            st.lists(inner, max_size=4),
            st.dictionaries(text().map(sendable), inner, max_size=4),
        ),
        max_leaves=8,
    )


# -- the fingerprint ---------------------------------------------------------------------

# Tables whose rows a refused request may change, and why: the sign-in's failure count is the
# lockout itself (issue 19, finding 3); a session row comes and goes with the session cookie;
# a page shown with the refusal logs the personal data it shows.
MAY_CHANGE_ON_REFUSAL = {
    "learners_loginthrottle": "a refused sign-in counts toward the lockout (finding 3)",
    "django_session": "the session store (a refused post may still start a session)",
    "learners_personaldataaccess": (
        "a refusal that still shows people (an offer's applicants after a refused draw) "
        "records that read: the access log records reads, not state (finding 13)"
    ),
}
# Rows whose values are money, seats, priority or authority: a checksum of every column but
# the clocks that a read moves (last use of a token, last sign-in).
CHECKSUMMED = {
    "vouchers.Account": (),
    "vouchers.Voucher": (),
    "vouchers.LedgerTransaction": (),
    "enrollment.Application": ("updated_at",),
    "enrollment.Offer": ("updated_at",),
    "learners.Learner": ("updated_at",),
    "learners.StaffRole": (),
    "learners.ApiToken": ("last_used_at",),
    "learners.StaffInvitation": (),
    "auth.User": ("last_login",),
    "catalog.Venue": ("updated_at",),
    "analytics.SurveyInvitation": (),
}


def _queries() -> tuple[str, list[str], list[str]]:
    """The count of every table's rows in one query (one row of subqueries: a UNION of 60
    counts costs SQLite twenty times more), and one query per checksummed model."""
    from django.apps import apps
    from django.db import connection

    from tests.world import _tables

    quote = connection.ops.quote_name
    names = [t.name for t in _tables() if t.name not in MAY_CHANGE_ON_REFUSAL]
    counts = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(name)})" for name in names)
    rows = []
    for label, skipped in CHECKSUMMED.items():
        meta = apps.get_model(label)._meta
        columns = [quote(f.column) for f in meta.concrete_fields if f.attname not in skipped]
        rows.append(
            f"SELECT {', '.join(columns)} FROM {quote(meta.db_table)} "
            f"ORDER BY {quote(meta.pk.column)}"
        )
    return counts, names, rows


_QUERIES: dict[str, tuple[str, list[str], list[str]]] = {}


def fingerprint() -> dict[str, Any]:
    """Row counts of every table and a checksum of the rows that hold money, seats,
    priority and authority (about 1 ms on SQLite)."""
    from django.db import connection

    counts, names, rows = _QUERIES.setdefault(connection.vendor, _queries())
    with connection.cursor() as cursor:
        cursor.execute(counts)
        found: dict[str, Any] = dict(zip(names, cursor.fetchone(), strict=True))
        for label, query in zip(CHECKSUMMED, rows, strict=True):
            cursor.execute(query)
            found[label] = hashlib.sha256(repr(cursor.fetchall()).encode()).hexdigest()[:16]
    return found


def difference(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    return {
        k: (before.get(k), after.get(k))
        for k in set(before) | set(after)
        if before.get(k) != after.get(k)
    }


# -- the tally ---------------------------------------------------------------------------


@dataclass
class Tally:
    """What one fuzz test did: requests, 5xx answers, refusals that changed state (each with
    the request, to reproduce it)."""

    requests: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)
    changed_on_refusal: list[str] = field(default_factory=list)

    def count(self, status: int) -> None:
        self.requests += 1
        self.statuses[status] = self.statuses.get(status, 0) + 1

    def record(self, record_property: Any, kind: str) -> None:
        record_property("hostile_kind", kind)
        record_property("hostile_requests", self.requests)
        record_property("hostile_5xx", len(self.server_errors))
        record_property("hostile_changed", len(self.changed_on_refusal))

    def verdict(self) -> None:
        problems = self.server_errors[:5] + self.changed_on_refusal[:5]
        assert not problems, (
            f"{len(self.server_errors)} answers 5xx, {len(self.changed_on_refusal)} refusals "
            "changed state; the first:\n" + "\n".join(problems)
        )


def summary_line(reports: list[Any]) -> str | None:
    """The line the run prints (tests/conftest.py): requests per kind, 5xx and refusals that
    changed state, and the time the fuzz tests took."""
    totals: dict[str, list[float]] = {}
    for report in reports:
        props = dict(getattr(report, "user_properties", ()) or ())
        if "hostile_requests" not in props:
            continue
        kind = str(props["hostile_kind"])
        row = totals.setdefault(kind, [0, 0, 0, 0.0])
        row[0] += int(props["hostile_requests"])
        row[1] += int(props["hostile_5xx"])
        row[2] += int(props["hostile_changed"])
        row[3] += float(getattr(report, "duration", 0.0))
    if not totals:
        return None
    every = [sum(row[i] for row in totals.values()) for i in range(4)]
    parts = ", ".join(
        f"{kind} {int(row[0]):,} in {row[3]:.0f} s" for kind, row in sorted(totals.items())
    )
    return (
        f"hostile input: {int(every[0]):,} requests ({parts}); "
        f"{int(every[1])} answered 5xx; {int(every[2])} refusals changed state"
    )
