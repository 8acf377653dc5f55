"""Writes of the catalog import: `catalog_import` and `quarantine_retry`.

Each file (or .zip member) is stored in one transaction: it is imported whole or not at all.
Every row ends as created, updated, unchanged or quarantined; the counts add up to the rows
read. Rows are processed in chunks: normalised (algorithms/course_record), matched to existing
programmes by their stable key, and written with executemany (SQLite) or COPY (PostgreSQL),
because building a million model instances would take the ORM minutes.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db import connection, transaction
from django.utils import timezone

from learncity.algorithms import course_source
from learncity.algorithms.course_record import Course, Normaliser, Outcome
from learncity.algorithms.course_source import Record, Source, SourceError
from learncity.algorithms.korean_address import AddressIndex, Area, Resolution
from learncity.catalog.geocoding import geocoder_from_environment
from learncity.catalog.locations import Locator, kept
from learncity.catalog.models import (
    ImportFile,
    ImportRun,
    Institution,
    Programme,
    ProgrammeHistory,
    QuarantinedRow,
    Schedule,
    Venue,
)
from learncity.core.bulk import rows_insert
from learncity.core.errors import DomainError, NotFound
from learncity.regions.selectors import region_refs

CHUNK = 2_000
_KEYS_PER_QUERY = 500
Progress = Callable[[str, int, int | None, int], None]  # name, bytes read, size, rows


@dataclass
class FileReport:
    name: str
    format: str = ""
    encoding: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    error: str = ""
    warnings: list[str] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    reasons: Counter[str] = field(default_factory=Counter)
    examples: list[dict[str, Any]] = field(default_factory=list)  # first quarantined rows
    unresolved_addresses: Counter[str] = field(default_factory=Counter)
    sha256: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "format": self.format,
            "encoding": self.encoding,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "quarantined": self.quarantined,
            "error": self.error,
            "warnings": self.warnings,
            "unknown_columns": self.unknown_columns,
            "reasons": dict(self.reasons.most_common()),
            "quarantined_examples": self.examples,
            "unresolved_addresses": dict(self.unresolved_addresses.most_common(20)),
        }


_VALUES = re.compile(r"'[^']*'|\"[^\"]*\"|\d[\d\-,.:]*")


def reason_kind(reason: str) -> str:
    """A reason with its values masked, to count reasons of one kind together."""
    return _VALUES.sub("…", reason)[:120]


# ----------------------------------------------------------------- opening paths


@dataclass
class _Unit:
    name: str
    open: Callable[[], IO[bytes]]
    size: int | None = None


def _units(paths: Iterable[Path]) -> Iterator[_Unit | FileReport]:
    """Files to read, each once, in a stable order; a path that cannot be used is an error."""
    seen: set[str] = set()
    for unit in _all_units(paths):
        if unit.name in seen:
            continue  # the same file named twice (a folder and a file inside it)
        seen.add(unit.name)
        yield unit


def _all_units(paths: Iterable[Path]) -> Iterator[_Unit | FileReport]:
    for path in (Path(p).absolute() for p in paths):
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in course_source.KNOWN_SUFFIXES
                and not p.name.startswith(".")
            )
            if not found:
                yield FileReport(str(path), error="the folder holds no .csv, .json, .xml or .zip")
            yield from _all_units(found)
        elif not path.exists():
            yield FileReport(str(path), error="no such file or folder")
        elif path.suffix.lower() == ".zip" or _is_zip(path):
            yield from _zip_units(path)
        else:
            size = path.stat().st_size
            yield _Unit(str(path), lambda p=path: p.open("rb"), size)  # type: ignore[misc]


def _is_zip(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def _zip_units(path: Path) -> Iterator[_Unit | FileReport]:
    try:
        archive = zipfile.ZipFile(path)
        members = list(course_source.zip_members(archive))
    except (zipfile.BadZipFile, OSError) as exc:
        yield FileReport(str(path), error=f"not a readable .zip archive: {exc}")
        return
    except SourceError as exc:
        yield FileReport(str(path), error=exc.reason)
        return
    if not members:
        yield FileReport(str(path), error="the archive holds no files")
    for info in members:
        name = f"{path}/{course_source.member_name(info)}"
        yield _Unit(name, lambda i=info, a=archive: a.open(i), info.file_size)  # type: ignore[misc]


class _Hashing:
    """Reads through, hashing what passes (the file's sha256 for the report)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.digest = hashlib.sha256()
        self.position = 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.digest.update(data)
        self.position += len(data)
        return data


# ----------------------------------------------------------------- regions


class _Places:
    """Institutions and venues by name, created on first sight; addresses resolved once."""

    def __init__(self) -> None:
        refs = region_refs()
        areas = [Area(r.code, r.level, r.name, r.full_name, r.parent_code, r.kind) for r in refs]
        self.index = AddressIndex(areas)
        self.region_ids = {r.code: r.id for r in refs}
        # where venues are: a configured geocoder's point, else the 동 of the address or the
        # name, else the district (catalog/locations.py)
        self.locator = Locator(refs, geocoder=geocoder_from_environment())
        self.has_regions = bool(areas)
        self.addresses: dict[str, Resolution] = {}
        self.institutions: dict[str, int] = {}
        self.venues: dict[tuple[int, str, str], int] = {}
        self.venues_by_place: dict[tuple[int, str, str], int | None] = {}

    def forget_created(self) -> None:
        """After a file rolled back: the institutions and venues it created are gone."""
        self.institutions.clear()
        self.venues.clear()
        self.venues_by_place.clear()

    def resolve(self, address: str) -> Resolution:
        found = self.addresses.get(address)
        if found is None:
            if not self.has_regions:
                found = Resolution(note="no regions are loaded (learncity regions load-population)")
            else:
                found = self.index.resolve(address)
            self.addresses[address] = found
        return found

    def institution_id(self, course: Course, district: str | None) -> int:
        found = self.institutions.get(course.operator)
        if found is None:
            existing = Institution.objects.filter(name=course.operator).order_by("id").first()
            if existing is None:
                existing = Institution.objects.create(
                    name=course.operator,
                    phone=course.operator_phone,
                    homepage=course.homepage,
                    district_id=self.region_ids.get(district) if district else None,
                    source="standard",
                )
            found = self.institutions[course.operator] = existing.pk
        return found

    def venue_id(self, institution_id: int, course: Course, where: Resolution) -> int | None:
        place = (institution_id, course.place, course.address)
        if place in self.venues_by_place:
            return self.venues_by_place[place]
        found = self._venue_id(institution_id, course, where)
        self.venues_by_place[place] = found
        return found

    def _venue_id(self, institution_id: int, course: Course, where: Resolution) -> int | None:
        if not course.place and not course.address:
            return None
        name = _venue_name(course.place) or course.address
        key = (institution_id, name, course.address)
        found = self.venues.get(key)
        if found is None:
            venue = Venue.objects.filter(
                institution_id=institution_id, name=name, road_address=course.address
            ).first()
            if venue is not None and venue.district_id is None and where.district:
                # created before the regions were loaded: link it now
                venue.province_id = self._id(where.province)
                venue.district_id = self._id(where.district)
                venue.neighbourhood_id = self._id(where.neighbourhood)
                venue.address_note = ""
                venue.save()
            if venue is not None and not kept(venue):
                values = self._located(name, course.address, where)
                if any(getattr(venue, k) != v for k, v in values.items() if k != "located_at"):
                    Venue.objects.filter(pk=venue.pk).update(**values)
            if venue is None:
                values = {
                    "neighbourhood_id": self._id(where.neighbourhood),
                    **self._located(name, course.address, where),
                }
                venue = Venue.objects.create(
                    institution_id=institution_id,
                    name=name,
                    road_address=course.address,
                    province_id=self._id(where.province),
                    district_id=self._id(where.district),
                    address_note=where.note[:300],
                    **values,
                )
            found = self.venues[key] = venue.pk
        return found

    def _id(self, code: str | None) -> int | None:
        return self.region_ids.get(code) if code else None

    def _located(self, name: str, address: str, where: Resolution) -> dict[str, Any]:
        located = self.locator.place(
            address=address,
            name=name,
            district_code=where.district,
            neighbourhood_code=where.neighbourhood,
        )
        return self.locator.fields(located, by="import")


def _venue_name(place: str) -> str:
    """`일원평생학습센터 9강의실` -> `일원평생학습센터`: the building, not the room."""
    words = place.split()
    kept = [
        w
        for w in words
        if not any(w.endswith(room) for room in ("강의실", "강의", "교실", "실", "호", "층"))
    ]
    return " ".join(kept) or place


# ----------------------------------------------------------------- storing


_PROGRAMME_COLUMNS = (
    "created_at",
    "updated_at",
    "institution_id",
    "venue_id",
    "title",
    "display_title",
    "description",
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
    "instructor",
    "homepage",
    "source",
    "source_key",
    "content_hash",
    "provider_code",
    "provider_name",
    "reference_date",
    "classified_hash",
)
_SCHEDULE_COLUMNS = (
    "created_at",
    "updated_at",
    "programme_id",
    "start_date",
    "end_date",
    "weekdays",
    "start_time",
    "end_time",
    "capacity",
    "registration_start",
    "registration_end",
    "application_methods",
    "selection",
    "place",
)


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None else None


_JSON: dict[tuple[Any, ...], str] = {}


def _json(value: tuple[Any, ...]) -> str:
    """JSON of a short tuple; the same few weekday and group sets recur a million times."""
    text = _JSON.get(value)
    if text is None:
        if len(_JSON) > 10_000:
            _JSON.clear()
        text = _JSON[value] = json.dumps(list(value), ensure_ascii=False)
    return text


def _programme_values(course: Course) -> dict[str, Any]:
    return {
        "title": course.title,
        "display_title": course.display_title[:300],
        "description": course.description,
        "source_category_word": course.source_category_word[:40],
        "target_groups": list(course.target_groups),
        "mode": course.mode,
        "fee_krw": course.fee_krw,
        "credit_bank": course.credit_bank,
        "learning_account": course.learning_account,
        "job_training": course.job_training,
        "instructor": course.instructor,
        "homepage": course.homepage,
        "provider_code": course.provider_code,
        "provider_name": course.provider_name,
        "reference_date": course.reference_date,
    }


def _schedule_values(course: Course) -> dict[str, Any]:
    return {
        "start_date": course.start_date,
        "end_date": course.end_date,
        "weekdays": list(course.weekdays),
        "start_time": course.start_time,
        "end_time": course.end_time,
        "capacity": course.capacity,
        "registration_start": course.registration_start,
        "registration_end": course.registration_end,
        "application_methods": list(course.application_methods),
        "selection": course.selection,
        "place": course.place,
    }


def _insert(model: type[Any], columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    if rows:
        rows_insert(model._meta.db_table, columns, rows)


@dataclass(slots=True)
class _Pending:
    line: int
    course: Course
    key: str
    content_hash: str
    where: Resolution


class _FileImport:
    def __init__(self, report: FileReport, import_file: ImportFile, places: _Places) -> None:
        self.report = report
        self.import_file = import_file
        self.places = places
        self.normaliser = Normaliser()
        self.seen: dict[str, int] = {}  # key -> line, to find the same course twice
        self.quarantine: list[QuarantinedRow] = []

    def add_chunk(self, records: list[Record]) -> None:
        pending: list[_Pending] = []
        for record in records:
            self.report.rows += 1
            outcome: Outcome = self.normaliser.normalise(record)
            for warning in outcome.warnings:
                self.report.reasons["(warning, stored) " + reason_kind(warning)] += 1
            if outcome.course is None:
                self._quarantine(record, list(outcome.reasons))
                continue
            course = outcome.course
            key = course.key
            first = self.seen.get(key)
            if first is not None:
                self._quarantine(
                    record,
                    [
                        f"the same course as line {first} (operator, title, start date and "
                        "time, place and weekdays are identical)"
                    ],
                )
                continue
            self.seen[key] = record.line
            where = self.places.resolve(course.address)
            if where.district is None:
                self.report.unresolved_addresses[f"{course.address[:60]} — {where.note}"] += 1
            pending.append(_Pending(record.line, course, key, course.content_hash, where))
        self._store(pending)
        if len(self.quarantine) >= 500:
            self.flush()

    def _quarantine(self, record: Record, reasons: list[str]) -> None:
        self.report.quarantined += 1
        for reason in reasons:
            self.report.reasons[reason_kind(reason)] += 1
        raw_hash = hashlib.blake2b(
            json.dumps(record.raw, ensure_ascii=False, sort_keys=True).encode(), digest_size=16
        ).hexdigest()
        if len(self.report.examples) < 20:
            self.report.examples.append({"line": record.line, "reasons": reasons})
        self.quarantine.append(
            QuarantinedRow(
                file=self.import_file,
                file_name=self.report.name[:500],
                line=record.line,
                raw={k[:200]: v[:70_000] for k, v in record.raw.items()},
                fields=record.fields,
                reasons=reasons,
                raw_hash=raw_hash,
            )
        )

    def flush(self) -> None:
        if not self.quarantine:
            return
        hashes = {row.raw_hash for row in self.quarantine}
        # The same row of the same file, quarantined before, is one entry seen again; if an
        # officer already fixed and stored it (resolved), it stays resolved.
        earlier = QuarantinedRow.objects.filter(
            file_name=self.report.name[:500], raw_hash__in=hashes
        )
        known = set(earlier.values_list("raw_hash", flat=True))
        if known:
            earlier.filter(status=QuarantinedRow.Status.OPEN).update(
                file=self.import_file, last_seen=timezone.now()
            )
            earlier.filter(status=QuarantinedRow.Status.RESOLVED).update(last_seen=timezone.now())
        fresh = [row for row in self.quarantine if row.raw_hash not in known]
        QuarantinedRow.objects.bulk_create(fresh, batch_size=500)
        self.quarantine = []

    def _store(self, pending: list[_Pending]) -> None:
        if not pending:
            return
        existing: dict[str, tuple[int, str, str]] = {}
        keys = [p.key for p in pending]
        for start in range(0, len(keys), _KEYS_PER_QUERY):
            for key, pk, content_hash, source in Programme.objects.filter(
                source_key__in=keys[start : start + _KEYS_PER_QUERY]
            ).values_list("source_key", "id", "content_hash", "category_source"):
                existing[str(key)] = (pk, content_hash, source)
        fresh: list[_Pending] = []
        for item in pending:
            found = existing.get(item.key)
            if found is None:
                fresh.append(item)
            elif found[1] == item.content_hash:
                self.report.unchanged += 1
                if self.places.has_regions and item.where.district:
                    # links a venue stored before the regions were loaded (cached: cheap)
                    institution = self.places.institution_id(item.course, item.where.district)
                    self.places.venue_id(institution, item.course, item.where)
            else:
                self._update(found[0], item, keep_category=found[2] in {"officer", "manual"})
                self.report.updated += 1
        self._create(fresh)
        self.report.created += len(fresh)

    def _create(self, fresh: list[_Pending]) -> None:
        if not fresh:
            return
        now: Any = timezone.now()
        if connection.vendor == "sqlite":
            now = connection.ops.adapt_datetimefield_value(now)  # once per chunk, not per row
        programme_rows = []
        for item in fresh:
            course = item.course
            institution = self.places.institution_id(course, item.where.district)
            venue = self.places.venue_id(institution, course, item.where)
            programme_rows.append(
                (
                    now,
                    now,
                    institution,
                    venue,
                    course.title,
                    course.display_title[:300],
                    course.description,
                    "",
                    "",
                    None,
                    "",
                    "",
                    course.source_category_word[:40],
                    _json(course.target_groups),
                    course.mode,
                    course.fee_krw,
                    course.credit_bank,
                    course.learning_account,
                    course.job_training,
                    course.instructor,
                    course.homepage,
                    "standard",
                    item.key,
                    item.content_hash,
                    course.provider_code,
                    course.provider_name,
                    _iso(course.reference_date),
                    "",
                )
            )
        _insert(Programme, _PROGRAMME_COLUMNS, programme_rows)
        ids: dict[str, int] = {}
        keys = [item.key for item in fresh]
        for start in range(0, len(keys), _KEYS_PER_QUERY):
            for key, pk in Programme.objects.filter(
                source_key__in=keys[start : start + _KEYS_PER_QUERY]
            ).values_list("source_key", "id"):
                ids[str(key)] = pk
        schedule_rows = []
        for item in fresh:
            course = item.course
            schedule_rows.append(
                (
                    now,
                    now,
                    ids[item.key],
                    course.start_date.isoformat(),
                    course.end_date.isoformat(),
                    _json(course.weekdays),
                    _iso(course.start_time),
                    _iso(course.end_time),
                    course.capacity,
                    _iso(course.registration_start),
                    _iso(course.registration_end),
                    _json(course.application_methods),
                    course.selection,
                    course.place,
                )
            )
        _insert(Schedule, _SCHEDULE_COLUMNS, schedule_rows)

    def _update(self, pk: int, item: _Pending, *, keep_category: bool) -> None:
        programme = Programme.objects.select_for_update().get(pk=pk)
        schedule = programme.schedules.order_by("id").first()
        new_programme = _programme_values(item.course)
        new_schedule = _schedule_values(item.course)
        previous: dict[str, Any] = {}
        for name, value in new_programme.items():
            old = getattr(programme, name)
            if old != value:
                previous[name] = old
                setattr(programme, name, value)
        if schedule is not None:
            for name, value in new_schedule.items():
                old = getattr(schedule, name)
                if old != value:
                    previous[f"schedule.{name}"] = old
                    setattr(schedule, name, value)
        text_changed = {"title", "description", "source_category_word"} & set(previous)
        if text_changed and not keep_category:
            programme.classified_hash = ""
        previous["content_hash"] = programme.content_hash
        programme.content_hash = item.content_hash
        institution = self.places.institution_id(item.course, item.where.district)
        programme.venue_id = self.places.venue_id(institution, item.course, item.where)
        programme.save()
        if schedule is not None:
            schedule.save()
        else:
            Schedule.objects.create(programme=programme, **new_schedule)
        ProgrammeHistory.objects.create(
            programme=programme,
            file=self.import_file,
            change="import",
            previous=json.loads(json.dumps(previous, default=str, ensure_ascii=False)),
        )


# ----------------------------------------------------------------- the command


def catalog_import(
    *,
    paths: list[Path],
    progress: Progress | None = None,
    classify: bool = True,
) -> dict[str, Any]:
    """Import files, folders and .zip archives of the course standard data.

    Returns the run's report: rows, created, updated, unchanged, quarantined (they add up to
    rows) and one entry per file. A file that cannot be read stores nothing and is listed
    with its error; the other files are still imported.
    """
    run = ImportRun.objects.create(paths=[str(p) for p in paths])
    places = _Places()
    reports: list[FileReport] = []
    for unit in _units(paths):
        if isinstance(unit, FileReport):
            ImportFile.objects.create(run=run, name=unit.name[:500], error=unit.error)
            reports.append(unit)
            continue
        reports.append(_import_unit(run, unit, places, progress))
    classified = 0
    if classify:
        from learncity.catalog.classification import programmes_classify

        classified = programmes_classify()
    totals = {
        name: sum(getattr(r, name) for r in reports)
        for name in ("rows", "created", "updated", "unchanged", "quarantined")
    }
    resolved = _district_share(reports)
    result: dict[str, Any] = {
        "run": run.pk,
        **totals,
        "errors": sum(1 for r in reports if r.error),
        "classified": classified,
        "district_resolved_share": resolved,
        "location_notes": dict(places.locator.notes),  # a geocoder's failures, when one is used
        "files": [r.as_dict() for r in reports],
    }
    run.finished_at = timezone.now()
    run.report = {k: v for k, v in result.items() if k != "files"}
    run.save(update_fields=["finished_at", "report"])
    return result


def _district_share(reports: list[FileReport]) -> float | None:
    stored = sum(r.created + r.updated + r.unchanged for r in reports)
    if not stored:
        return None
    unresolved = sum(sum(r.unresolved_addresses.values()) for r in reports)
    return round(1 - unresolved / stored, 4)


def _import_unit(
    run: ImportRun, unit: _Unit, places: _Places, progress: Progress | None
) -> FileReport:
    report = FileReport(unit.name)
    import_file = ImportFile.objects.create(run=run, name=unit.name[:500])
    source = Source(unit.name)
    job = _FileImport(report, import_file, places)
    try:
        with unit.open() as raw, transaction.atomic():
            stream = _Hashing(raw)
            chunk: list[Record] = []
            for record in course_source.records(stream, source):  # type: ignore[arg-type]
                chunk.append(record)
                if len(chunk) >= CHUNK:
                    job.add_chunk(chunk)
                    if progress:
                        progress(unit.name, stream.position, unit.size, report.rows)
                    chunk = []
            job.add_chunk(chunk)
            if progress:
                progress(unit.name, stream.position, unit.size, report.rows)
            job.flush()
            # rows of an earlier import of this file that are no longer quarantined: fixed
            QuarantinedRow.objects.filter(
                file_name=report.name[:500], status=QuarantinedRow.Status.OPEN
            ).exclude(file=import_file).update(status=QuarantinedRow.Status.RESOLVED)
            # (an entry this import saw again was moved to this import_file above)
            report.sha256 = stream.digest.hexdigest()
    except SourceError as exc:
        where = f" (line {exc.line})" if exc.line else ""
        _reset(report, error=f"{exc.reason}{where}")
        places.forget_created()
    except (
        OSError,
        EOFError,
        zipfile.BadZipFile,
        zlib.error,
        RuntimeError,  # an encrypted .zip member
        NotImplementedError,  # a .zip compression method Python cannot read
        UnicodeError,
    ) as exc:
        _reset(report, error=f"the file could not be read: {type(exc).__name__}: {exc}"[:500])
        places.forget_created()
    report.format, report.encoding = source.format, source.encoding
    report.unknown_columns = source.unknown_columns
    report.warnings = source.warnings
    if report.unknown_columns:
        report.warnings.append(
            "columns not in the course standard were ignored: " + ", ".join(report.unknown_columns)
        )
    if not report.error and report.rows == 0:
        report.warnings.append("the file holds no rows")
    ImportFile.objects.filter(pk=import_file.pk).update(
        format=report.format,
        encoding=report.encoding,
        sha256=report.sha256,
        rows=report.rows,
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        quarantined=report.quarantined,
        error=report.error,
        warnings=report.warnings,
    )
    return report


def _reset(report: FileReport, *, error: str) -> None:
    """The transaction rolled back: nothing of the file is stored, so nothing is counted."""
    report.error = error
    report.rows = report.created = report.updated = report.unchanged = report.quarantined = 0
    report.reasons.clear()
    report.examples.clear()
    report.unresolved_addresses.clear()


# ----------------------------------------------------------------- quarantine


@transaction.atomic
def quarantine_fix(*, row_id: int, changes: dict[str, str]) -> QuarantinedRow:
    """Correct cells of a quarantined row (by Korean header or OpenAPI name) before a retry.

    The original row is kept as read under `raw`; the corrected cells go to `fields`.
    """
    row = QuarantinedRow.objects.select_for_update().filter(pk=row_id).first()
    if row is None:
        raise NotFound(f"no quarantined row {row_id}")
    if row.status != QuarantinedRow.Status.OPEN:
        raise DomainError(f"quarantined row {row_id} is already resolved")
    if not row.fields:
        raise DomainError(
            f"row {row_id} could not be split into fields ({'; '.join(row.reasons)}): "
            "fix the file and import it again"
        )
    fields = dict(row.fields)
    for name, value in changes.items():
        column = course_source.canonical_field(name)
        if column is None:
            raise DomainError(f"{name!r} is not a field of the course standard")
        fields[column] = value
    row.fields = fields
    row.save(update_fields=["fields", "last_seen"])
    return row


def quarantine_retry(*, progress: Progress | None = None) -> dict[str, Any]:
    """Run every open quarantined row through the importer again (after a fix).

    Rows that now pass are stored (created, updated or unchanged) and their quarantine entry
    is marked resolved; the others stay open with their current reasons.
    """
    run = ImportRun.objects.create(paths=["(quarantine retry)"])
    report = FileReport("(quarantine retry)")
    places = _Places()
    with transaction.atomic():
        import_file = ImportFile.objects.create(run=run, name=report.name)
        job = _FileImport(report, import_file, places)
        rows = list(QuarantinedRow.objects.filter(status=QuarantinedRow.Status.OPEN))
        for row in rows:
            if row.fields:
                record = Record(row.line, dict(row.fields), dict(row.raw))
            else:  # the row could not even be split into fields: it stays as it was
                record = Record(row.line, {}, dict(row.raw), "; ".join(row.reasons))
            outcome = job.normaliser.normalise(record)
            key = outcome.course.key if outcome.course else None
            was_duplicate = any(r.startswith("the same course as line") for r in row.reasons)
            if key and was_duplicate and Programme.objects.filter(source_key=key).exists():
                report.rows += 1
                report.quarantined += 1
                continue  # its twin is in the catalog: storing it would overwrite the twin
            before = report.quarantined
            job.add_chunk([record])
            if report.quarantined == before:
                row.status = QuarantinedRow.Status.RESOLVED
                row.resolved_programme = Programme.objects.filter(source_key=key).first()
                row.save(update_fields=["status", "resolved_programme", "last_seen"])
            else:
                row.reasons = job.quarantine.pop().reasons
                row.save(update_fields=["reasons", "last_seen"])
            if progress:
                progress(report.name, 0, None, report.rows)
        ImportFile.objects.filter(pk=import_file.pk).update(
            rows=report.rows,
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            quarantined=report.quarantined,
        )
    from learncity.catalog.classification import programmes_classify

    programmes_classify()
    return {
        "rows": report.rows,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "quarantined": report.quarantined,
        "reasons": dict(report.reasons.most_common()),
    }
