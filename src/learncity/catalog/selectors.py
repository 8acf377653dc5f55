"""Reads of the catalog context."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from learncity.catalog.models import (
    Category,
    Institution,
    Programme,
    QuarantinedRow,
    Schedule,
    Venue,
)


@dataclass(frozen=True)
class CatalogOverview:
    institutions: int
    venues: int
    programmes: int


def catalog_overview() -> CatalogOverview:
    return CatalogOverview(
        institutions=Institution.objects.count(),
        venues=Venue.objects.count(),
        programmes=Programme.objects.count(),
    )


def programme_list(
    *, limit: int = 20, district_codes: Collection[str] | None = None
) -> list[Programme]:
    """Programmes by title; with `district_codes`, those whose venue or (without a venue's
    district) institution lies in one of them (the city's area)."""
    queryset = Programme.objects.all()
    if district_codes is not None:
        codes = list(district_codes)
        queryset = queryset.filter(
            Q(venue__district__code__in=codes)
            | Q(venue__district__isnull=True, institution__district__code__in=codes)
        )
    return list(
        queryset.select_related("institution", "venue")
        .prefetch_related("schedules")
        .order_by("display_title")[:limit]
    )


_AREA_NAMES = dict(Category.choices)
_ROW_FIELDS = (
    "id",
    "title",
    "display_title",
    "category",
    "middle_category",
    "category_confidence",
    "category_source",
    "category_reason",
    "source_category_word",
    "target_groups",
    "mode",
    "fee_krw",
    "credit_bank",
    "learning_account",
    "job_training",
    "homepage",
    "provider_code",
    "provider_name",
    "reference_date",
    "source",
    "institution__name",
    "venue__name",
    "venue__road_address",
    "venue__province__name",
    "venue__district__name",
    "venue__district__full_name",
    "venue__neighbourhood__name",
    "venue__precision",
    "venue__location_label",
    "description",
    "institution_id",
    "venue_id",
    "venue__district__code",
    "venue__neighbourhood__code",
    "venue__latitude",
    "venue__longitude",
    "venue__accessibility_notes",
    "instructor",
)


def programme_rows(
    *, limit: int | None = None, batch: int = 2_000, ids: list[int] | None = None
) -> Iterator[dict[str, Any]]:
    """Every programme (or those of `ids`) as a plain dict, in id order: for `catalog list
    --json`, exports, the search index and result cards."""
    queryset = Programme.objects.order_by("id").values(*_ROW_FIELDS)
    if ids is not None:
        queryset = queryset.filter(id__in=ids)
    if limit:
        queryset = queryset[:limit]
    page: list[dict[str, Any]] = []
    for row in queryset.iterator(chunk_size=batch):
        page.append(row)
        if len(page) >= batch:
            yield from _with_schedules(page)
            page = []
    yield from _with_schedules(page)


def _with_schedules(page: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    schedules: dict[int, Any] = {}
    for found in (
        Schedule.objects.filter(programme_id__in=[row["id"] for row in page])
        .order_by("programme_id", "id")
        .values()
    ):
        schedules.setdefault(found["programme_id"], found)
    for row in page:
        schedule: dict[str, Any] = schedules.get(row["id"], {})
        district_full = row["venue__district__full_name"] or ""
        province = row["venue__province__name"] or ""
        yield {
            "id": row["id"],
            "title": row["title"],
            "display_title": row["display_title"],
            "category": _AREA_NAMES.get(row["category"], ""),
            "category_code": row["category"],
            "middle_category": row["middle_category"],
            "category_confidence": row["category_confidence"],
            "category_source": row["category_source"],
            "category_reason": row["category_reason"],
            "source_category_word": row["source_category_word"],
            "sido": province,
            "sigungu": district_full.removeprefix(province).strip() or None,
            "eupmyeondong": row["venue__neighbourhood__name"],
            "institution": row["institution__name"],
            "venue": row["venue__name"],
            "address": row["venue__road_address"],
            "location_precision": row["venue__precision"],
            "location_label": row["venue__location_label"] or "",
            "description": row["description"],
            "institution_id": row["institution_id"],
            "venue_id": row["venue_id"],
            "district_code": row["venue__district__code"],
            "neighbourhood_code": row["venue__neighbourhood__code"],
            "latitude": row["venue__latitude"],
            "longitude": row["venue__longitude"],
            "accessibility_notes": row["venue__accessibility_notes"],
            "place": schedule.get("place"),
            "instructor": row["instructor"],
            "start_date": schedule.get("start_date"),
            "end_date": schedule.get("end_date"),
            "weekdays": schedule.get("weekdays"),
            "start_time": schedule.get("start_time"),
            "end_time": schedule.get("end_time"),
            "capacity": schedule.get("capacity"),
            "registration_start": schedule.get("registration_start"),
            "registration_end": schedule.get("registration_end"),
            "application_methods": schedule.get("application_methods"),
            "selection": schedule.get("selection"),
            "fee_krw": row["fee_krw"],
            "is_free": row["fee_krw"] == 0 if row["fee_krw"] is not None else None,
            "mode": row["mode"],
            "target_groups": row["target_groups"],
            "credit_bank": row["credit_bank"],
            "learning_account": row["learning_account"],
            "job_training": row["job_training"],
            "homepage": row["homepage"],
            "provider_code": row["provider_code"],
            "provider_name": row["provider_name"],
            "reference_date": row["reference_date"],
            "source": row["source"],
        }


def quarantine_list(*, limit: int = 50) -> dict[str, Any]:
    """Open quarantined rows, oldest first, with a short preview of each original row."""
    open_rows = QuarantinedRow.objects.filter(status=QuarantinedRow.Status.OPEN)
    rows = []
    for row in open_rows.order_by("id")[:limit]:
        cells = [str(v) for v in row.raw.values() if str(v).strip()]
        preview = " | ".join(cell[:40] for cell in cells[:6])
        rows.append(
            {
                "id": row.pk,
                "file": row.file_name,
                "line": row.line,
                "reasons": row.reasons,
                "raw": row.raw,
                "preview": preview[:200],
            }
        )
    return {"open": open_rows.count(), "rows": rows}


def institution_rows(
    *,
    ids: list[int] | None = None,
    limit: int = 100,
    offset: int = 0,
    district_codes: Collection[str] | None = None,
) -> list[dict[str, Any]]:
    """Institutions with their district and how many programmes and venues they run (those of
    `district_codes` only when given: the city's area)."""
    from django.db.models import Count

    queryset = Institution.objects.order_by("id")
    if ids is not None:
        queryset = queryset.filter(id__in=ids)
    if district_codes is not None:
        queryset = queryset.filter(district__code__in=list(district_codes))
    rows = queryset.annotate(
        programme_count=Count("programmes", distinct=True),
        venue_count=Count("venues", distinct=True),
    ).values(
        "id",
        "name",
        "kind",
        "phone",
        "homepage",
        "district__name",
        "district__code",
        "programme_count",
        "venue_count",
    )[offset : offset + limit]
    return [
        {
            "id": r["id"],
            "name": r["name"],
            "kind": r["kind"],
            "phone": r["phone"],
            "homepage": r["homepage"],
            "district": r["district__name"],
            "district_code": r["district__code"],
            "programmes": r["programme_count"],
            "venues": r["venue_count"],
        }
        for r in rows
    ]


def venue_rows(
    *,
    ids: list[int] | None = None,
    institution_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Venues with their place: address, areas, coordinates and how precise they are."""
    from django.db.models import Count

    queryset = Venue.objects.order_by("id")
    if ids is not None:
        queryset = queryset.filter(id__in=ids)
    if institution_id is not None:
        queryset = queryset.filter(institution_id=institution_id)
    rows = queryset.annotate(programme_count=Count("programmes")).values(
        "id",
        "name",
        "road_address",
        "institution_id",
        "institution__name",
        "province__name",
        "district__name",
        "district__code",
        "neighbourhood__name",
        "neighbourhood__code",
        "latitude",
        "longitude",
        "precision",
        "location_source",
        "location_label",
        "located_by",
        "located_at",
        "address_note",
        "accessibility_notes",
        "programme_count",
    )[offset : offset + limit]
    return [
        {
            "id": r["id"],
            "name": r["name"],
            "road_address": r["road_address"],
            "institution_id": r["institution_id"],
            "institution": r["institution__name"],
            "sido": r["province__name"],
            "sigungu": r["district__name"],
            "district_code": r["district__code"],
            "eupmyeondong": r["neighbourhood__name"],
            "neighbourhood_code": r["neighbourhood__code"],
            "latitude": r["latitude"],
            "longitude": r["longitude"],
            "location_precision": r["precision"],
            "location_source": r["location_source"],
            "location_label": r["location_label"],
            "located_by": r["located_by"],
            "located_at": r["located_at"],
            "address_note": r["address_note"],
            "accessibility_notes": r["accessibility_notes"],
            "programmes": r["programme_count"],
        }
        for r in rows
    ]


def programme_ids_of(
    *, institution_id: int | None = None, venue_id: int | None = None, limit: int = 200
) -> list[int]:
    queryset = Programme.objects.order_by("id")
    if institution_id is not None:
        queryset = queryset.filter(institution_id=institution_id)
    if venue_id is not None:
        queryset = queryset.filter(venue_id=venue_id)
    return list(queryset.values_list("id", flat=True)[:limit])


@dataclass(frozen=True)
class ScheduleOwner:
    schedule_id: int
    programme_id: int
    institution_id: int
    district_code: str  # of the venue's 시·군·구; "" when unknown
    end_date: dt.date | None = None  # the course's last day


def schedule_owner(schedule_id: int) -> ScheduleOwner | None:
    """Who runs a schedule: for enrolment's permissions and offers."""
    found = (
        Schedule.objects.filter(pk=schedule_id)
        .values_list(
            "programme_id",
            "programme__institution_id",
            "programme__venue__district__code",
            "end_date",
        )
        .first()
    )
    if found is None:
        return None
    programme_id, institution_id, district_code, end_date = found
    return ScheduleOwner(schedule_id, programme_id, institution_id, district_code or "", end_date)


def programme_title(programme_id: int) -> str:
    found = Programme.objects.filter(pk=programme_id).values_list("display_title", "title").first()
    return (found[0] or found[1]) if found else ""


def schedules_without_offer(limit: int) -> list[tuple[int, int | None]]:
    """(schedule id, capacity) of schedules that have no enrolment offer yet and have not
    ended, oldest first."""
    return list(
        Schedule.objects.filter(offer__isnull=True, end_date__gte=timezone.localdate())
        .order_by("id")
        .values_list("id", "capacity")[:limit]
    )


def schedule_choices(
    *,
    ids: list[int] | None = None,
    institution_ids: frozenset[int] | None = None,
    district_codes: frozenset[str] | None = None,
    without_offer: bool = False,
    ending_from: dt.date | None = None,
    q: str = "",
    limit: int = 20,
    offset: int = 0,
) -> tuple[int, list[dict[str, Any]]]:
    """Schedules with their programme, institution and district, for the staff pages that
    open enrolment: those of `ids`, or those run by the institutions or in the districts
    given (both None: every schedule), optionally only those without an offer and whose
    programme title contains `q`. Returns (how many match, the rows of this page)."""
    from django.db.models import Q

    queryset = Schedule.objects.all()
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    if institution_ids is not None or district_codes is not None:
        queryset = queryset.filter(
            Q(programme__institution_id__in=institution_ids or ())
            | Q(programme__venue__district__code__in=district_codes or ())
        )
    if without_offer:
        queryset = queryset.filter(offer__isnull=True)
    if ending_from is not None:  # courses that have not ended by that day
        queryset = queryset.filter(end_date__gte=ending_from)
    if q.strip():
        words = q.strip()
        queryset = queryset.filter(
            Q(programme__display_title__icontains=words) | Q(programme__title__icontains=words)
        )
    total = queryset.count()
    rows = queryset.order_by("id").values(
        "id",
        "programme_id",
        "programme__display_title",
        "programme__title",
        "programme__institution_id",
        "programme__institution__name",
        "programme__venue__district__code",
        "start_date",
        "end_date",
        "start_time",
        "end_time",
        "weekdays",
        "capacity",
        "place",
    )[offset : offset + limit]
    return total, [
        {
            "id": r["id"],
            "programme_id": r["programme_id"],
            "title": r["programme__display_title"] or r["programme__title"],
            "institution_id": r["programme__institution_id"],
            "institution": r["programme__institution__name"],
            "district_code": r["programme__venue__district__code"] or "",
            "start_date": r["start_date"],
            "end_date": r["end_date"],
            "start_time": r["start_time"],
            "end_time": r["end_time"],
            "weekdays": r["weekdays"],
            "capacity": r["capacity"],
            "place": r["place"],
        }
        for r in rows
    ]


def schedule_record_facts(schedule_id: int) -> dict[str, Any] | None:
    """What the learning record keeps of a completed schedule: the programme's title, area,
    institution, accreditation flags (None read as not accredited) and the schedule's dates."""
    found = (
        Schedule.objects.filter(pk=schedule_id)
        .values(
            "programme_id",
            "programme__title",
            "programme__display_title",
            "programme__description",
            "programme__category",
            "programme__middle_category",
            "programme__institution_id",
            "programme__institution__name",
            "programme__venue__district__code",
            "programme__learning_account",
            "programme__credit_bank",
            "start_date",
            "end_date",
        )
        .first()
    )
    if found is None:
        return None
    return {
        "programme_id": found["programme_id"],
        "title": found["programme__display_title"] or found["programme__title"],
        "description": found["programme__description"],
        "category": found["programme__category"],
        "middle_category": found["programme__middle_category"],
        "category_label": Category(found["programme__category"]).label
        if found["programme__category"]
        else "",
        "institution_id": found["programme__institution_id"],
        "institution_name": found["programme__institution__name"],
        "district_code": found["programme__venue__district__code"] or "",
        "learning_account": bool(found["programme__learning_account"]),
        "credit_bank": bool(found["programme__credit_bank"]),
        "start_date": found["start_date"],
        "end_date": found["end_date"],
    }


def category_labels(*, translated: bool = True) -> dict[str, str]:
    """The 6 + 1 areas: value -> label in the active language (Korean by default), or the
    Korean label whatever the language (`translated=False`: keys, tables built at import)."""
    from learncity.core.vocabulary import word

    if not translated:
        return {choice.value: str(choice.label) for choice in Category}
    return {choice.value: word(choice.value, "area") for choice in Category}


def institution_brief(institution_id: int) -> dict[str, Any] | None:
    """Name and district code (of the institution's 시·군·구, "" when unknown) of one
    institution; None when there is none (vouchers: registration, settlement)."""
    if not 0 < institution_id <= 2**63 - 1:
        return None
    found = (
        Institution.objects.filter(pk=institution_id).values("id", "name", "district__code").first()
    )
    if found is None:
        return None
    district_code = found["district__code"] or ""
    return {"id": found["id"], "name": found["name"], "district_code": district_code}


def institution_names(ids: list[int]) -> dict[int, str]:
    return dict(Institution.objects.filter(pk__in=ids).values_list("id", "name"))


def course_brief(programme_id: int) -> dict[str, Any] | None:
    """Institution, title and fee of one catalog programme (vouchers: what a fee pays for)."""
    if not 0 < programme_id <= 2**63 - 1:
        return None
    found = (
        Programme.objects.filter(pk=programme_id)
        .values("id", "institution_id", "display_title", "title", "fee_krw")
        .first()
    )
    if found is None:
        return None
    return {
        "id": found["id"],
        "institution_id": found["institution_id"],
        "title": found["display_title"] or found["title"],
        "fee_krw": found["fee_krw"],
    }


# ------------------------------------------------------------------ venues, for planning


def venue_programme_counts(
    *,
    category: str | None = None,
    target_group: str | None = None,
    weekday: int | None = None,
    starting_from: dt.time | None = None,
) -> Counter[int]:
    """venue id -> how many programmes are held there (offline or hybrid: online ones are
    not walked to) in an area, for a target group (a programme for everyone counts for every
    group), on an ISO weekday, with a schedule starting at or after a time of day."""
    programmes = Programme.objects.exclude(mode=Programme.Mode.ONLINE).exclude(venue=None)
    if category:
        programmes = programmes.filter(category=category)
    if weekday is not None:
        # weekdays is a JSON list of ISO weekdays; filter in Python (SQLite and PostgreSQL)
        ids = {
            pid
            for pid, days in Schedule.objects.values_list("programme_id", "weekdays")
            if isinstance(days, list) and weekday in days
        }
        programmes = programmes.filter(id__in=ids)
    if starting_from is not None:
        programmes = programmes.filter(schedules__start_time__gte=starting_from)
    counts: Counter[int] = Counter()
    # one row per programme: the join with schedules may repeat one, and DISTINCT over the
    # venue and groups alone (or with the model's ordering column) would merge different ones
    rows = programmes.order_by().values_list("id", "venue_id", "target_groups").distinct()
    for _programme_id, venue_id, groups in rows:
        if target_group and target_group not in (groups or []) and "전체" not in (groups or []):
            continue
        counts[venue_id] += 1
    return counts


def venue_locations() -> list[dict[str, Any]]:
    """Every venue in id order: id, name, institution_name, district_code and
    neighbourhood_code ("" when unknown), latitude and longitude (None when unknown),
    precision as recorded ("" when unknown), exact (the coordinates are the building's) and
    location_source (how the catalog placed it: staff, venue_file, geocoder, address, name,
    district; "" when it did not)."""
    return [
        {
            "id": row["id"],
            "name": row["name"],
            "institution_name": row["institution__name"] or "",
            "district_code": row["district__code"] or "",
            "neighbourhood_code": row["neighbourhood__code"] or "",
            "latitude": row["latitude"],
            "longitude": row["longitude"],
            "precision": row["precision"] or "",
            "exact": row["precision"] == Venue.Precision.EXACT,
            "location_source": row["location_source"] or "",
        }
        for row in Venue.objects.order_by("id").values(
            "id",
            "name",
            "institution__name",
            "district__code",
            "neighbourhood__code",
            "latitude",
            "longitude",
            "precision",
            "location_source",
        )
    ]


def programme_count() -> int:
    """How many programmes the catalogue holds."""
    return Programme.objects.count()


def catalog_counts(*, source: str) -> dict[str, int]:
    """How many programmes and schedules came from a source ("import", "demo", ...)."""
    return {
        "programmes": Programme.objects.filter(source=source).count(),
        "schedules": Schedule.objects.filter(programme__source=source).count(),
    }


def institution_ids_named(name: str) -> list[int]:
    """The ids of the institutions of exactly this name (learners: a staff role's scope
    given by name)."""
    return list(Institution.objects.filter(name=name).order_by("id").values_list("id", flat=True))


def institution_choices(
    *, ids: list[int] | None = None, district_codes: list[str] | None = None
) -> list[tuple[int, str]]:
    """(id, name) of institutions by name, for a picker: those of `ids`, and/or those seated
    in one of `district_codes` or running a venue there (every institution when neither is
    given)."""
    from django.db.models import Q

    queryset = Institution.objects.all()
    if ids is not None:
        queryset = queryset.filter(id__in=ids)
    if district_codes is not None:
        queryset = queryset.filter(
            Q(district__code__in=district_codes) | Q(venues__district__code__in=district_codes)
        )
    return list(queryset.order_by("name", "id").values_list("id", "name").distinct())
