"""The filter-and-facet table of search: every indexed programme's filter columns as numpy
arrays, so that filters, boosts, ordering and facet counts over a match set cost a few
vector operations instead of a database lookup per match.

The full-text engine (FTS5 or PostgreSQL) answers only "which programmes match, with what
score"; this table answers the rest. It is built from the index rows (one list per column,
aligned) and is read-only once built: a search process holds one per index generation.

The semantics are those of the SQL they replace (documented in docs/search.md):
- a NULL never satisfies a comparison (a programme without a fee is neither free nor within
  a fee range; one without coordinates is never "near");
- registration status on `today`: upcoming = the window opens after today; open = a window
  is known and today lies inside it (an open end counts as open); closed = the window ended,
  or no window is known and the course has started;
- ordering: relevance = rank desc, then start date asc, then programme id; start/fee/distance
  = that column asc (missing last), then rank desc, then programme id.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from learncity.algorithms import search_text

Mask = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]

NO_DAY = np.iinfo(np.int64).max  # a missing date: after every real day
STATUSES = ("upcoming", "open", "closed")
_EPOCH = dt.date(1970, 1, 1)


def day_number(value: dt.date | str | None) -> int:
    """Days since 1970-01-01 (a date or its ISO text); NO_DAY when missing or unreadable."""
    if value is None or value == "":
        return int(NO_DAY)
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return int(NO_DAY)
    return (value - _EPOCH).days


@dataclass(frozen=True)
class Filters:
    """What a search asks of the filter columns (codes already resolved)."""

    districts: tuple[str, ...] = ()
    neighbourhoods: tuple[str, ...] = ()
    weekday_mask: int = 0
    weekend: bool = False
    slot_mask: int = 0
    group_mask: int = 0
    categories: tuple[str, ...] = ()
    free: bool = False
    fee_min: int | None = None
    fee_max: int | None = None
    voucher: bool = False
    credit_bank: bool = False
    learning_account: bool = False
    modes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    near: tuple[float, float, float] | None = None  # latitude, longitude, radius in metres


@dataclass
class _Coded:
    """A text column as small integer codes over its sorted distinct values."""

    values: list[str]
    codes: npt.NDArray[np.int32]

    @classmethod
    def of(cls, column: Sequence[str | None]) -> _Coded:
        distinct, codes = np.unique(
            np.array([v or "" for v in column], dtype=object).astype(str), return_inverse=True
        )
        return cls([str(v) for v in distinct], codes.astype(np.int32))

    def isin(self, wanted: Sequence[str], rows: Ints | slice) -> Mask:
        known = [self.values.index(w) for w in wanted if w in self.values]
        return np.isin(self.codes[rows], np.array(known, dtype=np.int32))

    def counts(self, rows: Ints | slice) -> list[tuple[str, int]]:
        tally = np.bincount(self.codes[rows], minlength=len(self.values))
        found = [(self.values[i], int(n)) for i, n in enumerate(tally) if n]
        return sorted(found, key=lambda item: (-item[1], item[0]))


@dataclass
class SearchTable:
    programme_id: Ints
    district: _Coded
    neighbourhood: _Coded
    category: _Coded
    mode: _Coded
    weekday_mask: Ints
    slot_mask: Ints
    group_mask: Ints
    fee: Ints  # -1 when unknown
    credit_bank: Mask
    learning_account: Mask
    voucher: Mask
    start: Ints  # day numbers, NO_DAY when unknown
    registration_start: Ints
    registration_end: Ints
    latitude: Floats  # NaN when unknown
    longitude: Floats
    location_precision: list[str]
    generation: Any = None
    _order: Ints = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # the registration status decided elsewhere (a schedule's enrolment offer), by row: an
    # index into STATUSES, -1 where the published window decides (with_registration)
    registration_override: Ints | None = None

    @classmethod
    def build(cls, columns: dict[str, Sequence[Any]], generation: Any = None) -> SearchTable:
        """From aligned column lists (any order of programmes; ids must be distinct)."""
        ids = np.array(columns["programme_id"], dtype=np.int64)
        order = np.argsort(ids, kind="stable")

        def ints(name: str, missing: int) -> Ints:
            values = [missing if v is None else int(v) for v in columns[name]]
            return np.array(values, dtype=np.int64)[order]

        def days(name: str) -> Ints:
            values = [v if v is not None and v != "" else "NaT" for v in columns[name]]
            try:
                parsed = np.array(values, dtype="datetime64[D]")
            except ValueError:  # a value numpy cannot read: one by one
                return np.array([day_number(v) for v in columns[name]], dtype=np.int64)[order]
            numbers = parsed.astype(np.int64)
            return np.where(np.isnat(parsed), NO_DAY, numbers)[order]

        def floats(name: str) -> Floats:
            values = [math.nan if v is None else float(v) for v in columns[name]]
            return np.array(values, dtype=np.float64)[order]

        def flags(name: str) -> Mask:
            return np.array([bool(v) for v in columns[name]], dtype=np.bool_)[order]

        def coded(name: str) -> _Coded:
            made = _Coded.of(columns[name])
            return _Coded(made.values, made.codes[order])

        precision = [str(columns["location_precision"][i]) for i in order]
        return cls(
            programme_id=ids[order],
            district=coded("district_code"),
            neighbourhood=coded("neighbourhood_code"),
            category=coded("category"),
            mode=coded("mode"),
            weekday_mask=ints("weekday_mask", 0),
            slot_mask=ints("slot_mask", 0),
            group_mask=ints("group_mask", 0),
            fee=ints("fee_krw", -1),
            credit_bank=flags("credit_bank"),
            learning_account=flags("learning_account"),
            voucher=flags("voucher_eligible"),
            start=days("start_date"),
            registration_start=days("registration_start"),
            registration_end=days("registration_end"),
            latitude=floats("latitude"),
            longitude=floats("longitude"),
            location_precision=precision,
            generation=generation,
        )

    def __len__(self) -> int:
        return len(self.programme_id)

    # ------------------------------------------------------------------ rows

    def locate(self, programme_ids: Ints) -> tuple[Ints, Mask]:
        """(row numbers, found): the rows of the ids that the table holds, and which of the
        given ids those are (an id indexed after the table was built is not found)."""
        if len(self) == 0 or len(programme_ids) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(len(programme_ids), dtype=np.bool_)
        rows = np.minimum(np.searchsorted(self.programme_id, programme_ids), len(self) - 1)
        found = self.programme_id[rows] == programme_ids
        return rows[found].astype(np.int64), found

    def all_rows(self) -> Ints:
        return np.arange(len(self), dtype=np.int64)

    def with_registration(self, statuses: dict[int, str]) -> SearchTable:
        """This table with the coarse registration status (upcoming, open, closed, unknown)
        of some programmes given (programme id -> status: those with an enrolment offer,
        whose status the offer decides): filters, boosts and facets use it for them."""
        if not statuses or len(self) == 0:
            return self
        ids = np.array(list(statuses), dtype=np.int64)
        codes = np.array(
            [STATUSES.index(v) if v in STATUSES else len(STATUSES) for v in statuses.values()],
            dtype=np.int64,
        )
        rows, found = self.locate(ids)
        override = np.full(len(self), -1, dtype=np.int64)
        override[rows] = codes[found]
        return replace(self, registration_override=override)

    # ------------------------------------------------------------------ filters

    def status(self, status: str, today: dt.date, rows: Ints) -> Mask:
        published = self._published_status(status, today, rows)
        if self.registration_override is None:
            return published
        override = self.registration_override[rows]
        decided: Mask = np.where(override >= 0, override == STATUSES.index(status), published)
        return decided

    def _published_status(self, status: str, today: dt.date, rows: Ints) -> Mask:
        day = day_number(today)
        opens = self.registration_start[rows]
        closes = self.registration_end[rows]
        has_open, has_close = opens != NO_DAY, closes != NO_DAY
        if status == "upcoming":
            result: Mask = has_open & (opens > day)
        elif status == "open":
            result = (
                (has_open | has_close)
                & (~has_open | (opens <= day))
                & (~has_close | (closes >= day))
            )
        elif status == "closed":
            starts = self.start[rows]
            result = (has_close & (closes < day)) | (
                ~has_open & ~has_close & (starts != NO_DAY) & (starts < day)
            )
        else:
            raise ValueError(f"unknown status {status!r}")
        return result

    def near_distance2(self, latitude: float, longitude: float, rows: Ints) -> Floats:
        """Squared equirectangular distance in degrees (monotone in metres), NaN when the
        programme has no point."""
        scale = max(0.01, math.cos(math.radians(latitude)))
        dlat = self.latitude[rows] - latitude
        dlon = self.longitude[rows] - longitude
        return dlat * dlat + dlon * dlon * (scale * scale)

    def select(self, filters: Filters, today: dt.date, rows: Ints) -> Mask:
        """Which of `rows` pass every filter."""
        keep = np.ones(len(rows), dtype=np.bool_)
        if filters.districts:
            keep &= self.district.isin(filters.districts, rows)
        if filters.neighbourhoods:
            keep &= self.neighbourhood.isin(filters.neighbourhoods, rows)
        if filters.weekday_mask:
            keep &= (self.weekday_mask[rows] & filters.weekday_mask) != 0
        if filters.weekend:
            keep &= (self.weekday_mask[rows] & search_text.WEEKEND_MASK) != 0
        if filters.slot_mask:
            keep &= (self.slot_mask[rows] & filters.slot_mask) != 0
        if filters.group_mask:
            keep &= (self.group_mask[rows] & filters.group_mask) != 0
        if filters.categories:
            keep &= self.category.isin(filters.categories, rows)
        fee = self.fee[rows]
        if filters.free:
            keep &= fee == 0
        if filters.fee_min is not None:
            keep &= (fee >= 0) & (fee >= filters.fee_min)
        if filters.fee_max is not None:
            keep &= (fee >= 0) & (fee <= filters.fee_max)
        if filters.voucher:
            keep &= self.voucher[rows]
        if filters.credit_bank:
            keep &= self.credit_bank[rows]
        if filters.learning_account:
            keep &= self.learning_account[rows]
        if filters.modes:
            keep &= self.mode.isin(filters.modes, rows)
        if filters.statuses:
            any_status = np.zeros(len(rows), dtype=np.bool_)
            for status in filters.statuses:
                any_status |= self.status(status, today, rows)
            keep &= any_status
        if filters.near is not None:
            latitude, longitude, metres = filters.near
            lat0, lat1, lon0, lon1 = search_text.bounding_box(latitude, longitude, metres)
            lat, lon = self.latitude[rows], self.longitude[rows]
            radius_deg = metres / 111_195.0
            with np.errstate(invalid="ignore"):
                keep &= (lat >= lat0) & (lat <= lat1) & (lon >= lon0) & (lon <= lon1)
                keep &= self.near_distance2(latitude, longitude, rows) <= radius_deg * radius_deg
        return keep

    # ------------------------------------------------------------------ ranking

    def boost(self, today: dt.date, rows: Ints) -> Floats:
        """1 + OPEN_BOOST when open for application + SOON_BOOST when it starts within
        SOON_DAYS days (search_text documents the figures)."""
        day = day_number(today)
        starts = self.start[rows]
        soon = (starts >= day) & (starts <= day + search_text.SOON_DAYS)
        return (
            1.0
            + np.where(self.status("open", today, rows), search_text.OPEN_BOOST, 0.0)
            + np.where(soon, search_text.SOON_BOOST, 0.0)
        )

    def order(
        self, rows: Ints, rank: Floats, sort: str, distance2: Floats | None = None
    ) -> npt.NDArray[np.intp]:
        """Positions into `rows` in result order (see the module's doc)."""
        ids = self.programme_id[rows]
        if sort == "relevance":
            keys: tuple[Any, ...] = (ids, self.start[rows], -rank)
        elif sort == "start":
            keys = (ids, -rank, self.start[rows])
        elif sort == "fee":
            fee = self.fee[rows]
            keys = (ids, -rank, np.where(fee < 0, np.iinfo(np.int64).max, fee))
        elif sort == "distance":
            assert distance2 is not None
            keys = (ids, -rank, np.where(np.isnan(distance2), np.inf, distance2))
        else:
            raise ValueError(f"unknown sort {sort!r}")
        return np.lexsort(keys)

    # ------------------------------------------------------------------ facets

    def facets(self, today: dt.date, rows: Ints) -> dict[str, list[tuple[str, int]]]:
        """Counts per value of every facet over `rows` (valued facets sorted by count)."""
        out: dict[str, list[tuple[str, int]]] = {
            "district": self.district.counts(rows),
            "neighbourhood": self.neighbourhood.counts(rows),
            "category": self.category.counts(rows),
            "mode": self.mode.counts(rows),
        }
        days = self.weekday_mask[rows]
        out["weekday"] = [
            (str(day), int(np.count_nonzero(days & (1 << (day - 1))))) for day in range(1, 8)
        ]
        slots = self.slot_mask[rows]
        out["time"] = [
            (slot, int(np.count_nonzero(slots & bit))) for slot, bit in search_text.SLOTS.items()
        ]
        out["weekend"] = [("weekend", int(np.count_nonzero(days & search_text.WEEKEND_MASK)))]
        return out

    def group_counts(self, groups: Sequence[str], rows: Ints) -> list[tuple[str, int]]:
        masks = self.group_mask[rows]
        return [(g, int(np.count_nonzero(masks & (1 << i)))) for i, g in enumerate(groups)]

    def flag_counts(self, today: dt.date, rows: Ints) -> dict[str, list[tuple[str, int]]]:
        return {
            "price": [("free", int(np.count_nonzero(self.fee[rows] == 0)))],
            "flags": [
                ("credit_bank", int(np.count_nonzero(self.credit_bank[rows]))),
                ("learning_account", int(np.count_nonzero(self.learning_account[rows]))),
                ("voucher", int(np.count_nonzero(self.voucher[rows]))),
            ],
            "status": [
                (status, int(np.count_nonzero(self.status(status, today, rows))))
                for status in STATUSES
            ],
        }
