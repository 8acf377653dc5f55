"""One record of the course standard data -> one clean `Course`, or the reasons it is refused.

`Normaliser` keeps a cache per field: a provider's file repeats the same dates, times,
weekdays, fees and addresses thousands of times, so each distinct text is parsed once.
Refusals (quarantine) are for values that are wrong, not for values that are missing:
a missing optional field is "not stated", a date like 2026-13-45 is a reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, TypeVar

from learncity.algorithms import course_fields as f
from learncity.algorithms.course_source import Record, safe_text

MAX_FIELD_CHARS = 65_536  # a 100 KB cell is an accident or an attack, not a course
TITLE_LIMIT = 300
SHORT_LIMIT = 300
DESCRIPTION_LIMIT = 20_000
EARLIEST = dt.date(1990, 1, 1)
LATEST = dt.date(2100, 12, 31)

MODES = {
    "오프라인": "offline",
    "대면": "offline",
    "집합": "offline",
    "온라인": "online",
    "비대면": "online",
    "원격": "online",
    "우편통신": "online",
    "모바일": "online",
    "실시간": "online",
    "혼합": "hybrid",
    "블렌디드": "hybrid",
    "온오프라인": "hybrid",
    "온·오프라인": "hybrid",
    "온/오프라인": "hybrid",
}
APPLICATION_METHODS = {
    "인터넷": "online",
    "온라인": "online",
    "홈페이지": "online",
    "모바일": "online",
    "방문": "visit",
    "현장": "visit",
    "전화": "phone",
    "이메일": "email",
    "메일": "email",
    "팩스": "fax",
    "우편": "post",
}
SELECTIONS = {"선착순": "first_come", "추첨": "lottery"}


@dataclass(frozen=True, slots=True)
class Course:
    """A clean course: what the catalog stores. Field order is the content hash's order."""

    title: str
    display_title: str
    description: str
    source_category_word: str
    instructor: str
    start_date: dt.date
    end_date: dt.date
    start_time: dt.time | None
    end_time: dt.time | None
    weekdays: tuple[int, ...]
    target_groups: tuple[str, ...]
    mode: str
    place: str
    address: str
    capacity: int | None
    fee_krw: int | None
    operator: str
    operator_phone: str
    registration_start: dt.date | None
    registration_end: dt.date | None
    application_methods: tuple[str, ...]
    selection: str
    homepage: str
    job_training: bool | None
    credit_bank: bool | None
    learning_account: bool | None
    reference_date: dt.date | None
    provider_code: str
    provider_name: str

    @property
    def key(self) -> str:
        return course_key(
            operator=self.operator,
            title=self.title,
            start_date=self.start_date,
            start_time=self.start_time,
            place=self.place,
            weekdays=self.weekdays,
        )

    @property
    def content_hash(self) -> str:
        """Hash of every stored value: equal hashes mean a re-import would change nothing."""
        text = "\x1f".join(map(str, _values(self)))
        return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


_values = operator.attrgetter(*(field.name for field in fields(Course)))


@dataclass(frozen=True, slots=True)
class Outcome:
    course: Course | None
    reasons: tuple[str, ...]  # why it is quarantined (course is None)
    warnings: tuple[str, ...]  # stored anyway, with a field left "not stated"


def _compact(text: str) -> str:
    return " ".join(text.split()).casefold()


def course_key(
    *,
    operator: str,
    title: str,
    start_date: dt.date,
    start_time: dt.time | None,
    place: str,
    weekdays: tuple[int, ...],
) -> str:
    """Stable identity from official fields (the dataset has no course id, DOMAIN.md).

    The provider is left out on purpose: the same operator's course published by a city and
    by its district is one course, and a CSV without provider columns must match the OpenAPI.
    """
    parts = (
        _compact(operator),
        _compact(title),
        start_date.isoformat(),
        start_time.isoformat("minutes") if start_time else "",
        _compact(place),
        "".join(map(str, weekdays)),
    )
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()


T = TypeVar("T")
_FORMULA = re.compile(
    r"^\s*(?:[=@]|[+\-]\s*[A-Za-z_]+\s*\()|^\s*[=+\-@].*\b(?:HYPERLINK|cmd|DDE)\b",
    re.IGNORECASE,
)
# In free text a leading `=` is often decoration (`=== 강좌 소개 ===`): only a function call
# or a DDE payload counts there.
_FORMULA_IN_TEXT = re.compile(
    r"^\s*[=+\-@]\s*(?:[A-Za-z_][\w.]*\s*\(|.*\b(?:HYPERLINK|cmd|DDE)\b)", re.IGNORECASE
)


def formula_like(text: str, *, free_text: bool = False) -> bool:
    """`=HYPERLINK(...)`, `@SUM(...)`, `+cmd|...`: a cell a spreadsheet would run."""
    return bool((_FORMULA_IN_TEXT if free_text else _FORMULA).match(text))


class _Failure:
    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


_MISS = object()


def _attempt(parser: Callable[[str], Any], text: str) -> Any:
    try:
        return parser(text)
    except f.FieldError as exc:
        return _Failure(str(exc))
    except (ValueError, OverflowError) as exc:  # a parser's own limits: still a reason
        return _Failure(f"not usable: {text[:40]!r} ({type(exc).__name__})")


class Normaliser:
    """Turns records into Courses; one per import so its caches stay small.

    Written for speed (a million rows must take seconds, not minutes): each field's parser
    runs once per distinct text and its result, or its failure, is looked up afterwards.
    """

    def __init__(self) -> None:
        self._caches: dict[str, dict[str, Any]] = {}

    def _cached(self, name: str, parse: Callable[[str], T], text: str) -> T:
        cache = self._caches.get(name)
        if cache is None:
            cache = self._caches[name] = {}
        value = cache.get(text, _MISS)
        if value is _MISS:
            if len(cache) > 200_000:
                cache.clear()
            value = cache[text] = _attempt(parse, text)
        if type(value) is _Failure:
            raise f.FieldError(value.message)
        return value  # type: ignore[no-any-return]

    def _fields(
        self, values: dict[str, str], reasons: list[str], warnings: list[str]
    ) -> dict[str, Any]:
        parsed: dict[str, Any] = {}
        caches = self._caches
        for name, parser, strict in _PARSED:
            text = values.get(name)
            if not text:
                parsed[name] = None
                continue
            cache = caches.get(name)
            if cache is None:
                cache = caches[name] = {}
            value = cache.get(text, _MISS)
            if value is _MISS:
                if len(cache) > 200_000:
                    cache.clear()
                value = cache[text] = _attempt(parser, text)
            if type(value) is _Failure:
                (reasons if strict else warnings).append(f"{name}: {value.message}")
                value = None
            parsed[name] = value
        return parsed

    def normalise(self, record: Record) -> Outcome:
        if record.problem:
            return Outcome(None, (record.problem,), ())
        values = record.fields
        reasons: list[str] = []
        warnings: list[str] = []
        for name, text in values.items():
            if len(text) > MAX_FIELD_CHARS:
                reasons.append(f"{name}: {len(text):,} characters (limit {MAX_FIELD_CHARS:,})")
        if reasons:
            return Outcome(None, tuple(reasons), ())
        cached = self._cached
        get = values.get

        title = _clean_line(get("lctreNm", ""))
        if not title:
            reasons.append("lctreNm: the course has no title")
        elif len(title) > TITLE_LIMIT:
            reasons.append(f"lctreNm: the title is {len(title):,} characters (limit {TITLE_LIMIT})")
        operator = cached("operator", _clean_line, get("operInstitutionNm", ""))
        if not operator:
            reasons.append("operInstitutionNm: no operating institution")
        p = self._fields(values, reasons, warnings)
        start_date, end_date = p["edcStartDay"], p["edcEndDay"]
        if start_date is None and not get("edcStartDay", "").strip():
            reasons.append("edcStartDay: no start date")
        if end_date is None and not get("edcEndDay", "").strip():
            reasons.append("edcEndDay: no end date")
        for name, day in (("edcStartDay", start_date), ("edcEndDay", end_date)):
            if day is not None and not EARLIEST <= day <= LATEST:
                reasons.append(
                    f"{name}: {day.isoformat()} is outside {EARLIEST.year}-{LATEST.year}"
                )
        if start_date and end_date and end_date < start_date:
            reasons.append(f"edcEndDay: ends {end_date} before it starts {start_date}")
        registration_start, registration_end = p["rceptStartDate"], p["rceptEndDate"]
        if registration_start and registration_end and registration_end < registration_start:
            reasons.append(
                f"rceptEndDate: registration ends {registration_end} before it opens "
                f"{registration_start}"
            )
        mode_text = get("edcMthType", "")
        mode = cached("mode", _mode, mode_text)
        if mode == "":
            if mode_text.strip():
                warnings.append(f"edcMthType: {mode_text.strip()[:20]!r} is not a known mode")
            mode = "offline"
        homepage_text = get("homepageUrl", "")
        homepage = cached("homepage", _homepage, homepage_text)
        if homepage_text.strip() and not homepage:
            warnings.append(f"homepageUrl: {homepage_text.strip()[:40]!r} is not a web address")
        description = cached("description", _description, get("lctreCo", ""))
        texts = {
            "lctreNm": title,
            "operInstitutionNm": operator,
            "edcPlace": cached("short", _clean_line, get("edcPlace", "")),
            "instrctrNm": cached("short", _clean_line, get("instrctrNm", "")),
            "edcRdnmadr": cached("short", _clean_line, get("edcRdnmadr", "")),
            "insttNm": cached("short", _clean_line, get("insttNm", "")),
            "insttCode": cached("short", _clean_line, get("insttCode", "")),
        }
        for name, text in texts.items():
            if text[:1] in _FORMULA_START and formula_like(text):
                reasons.append(f"{name}: looks like a spreadsheet formula ({text[:30]!r})")
        if description[:1] in _FORMULA_START and formula_like(description, free_text=True):
            reasons.append(f"lctreCo: looks like a spreadsheet formula ({description[:30]!r})")
        if reasons or start_date is None or end_date is None:
            return Outcome(None, tuple(reasons), tuple(warnings))
        start_time, end_time = p["edcStartTime"], p["edcColseTime"]
        if start_time and end_time and end_time < start_time:
            warnings.append(f"edcColseTime: ends {end_time} before it starts {start_time}")
        course = Course(
            title=title,
            display_title=f.display_title(title),
            description=description,
            source_category_word=description if 0 < len(description) <= 12 else "",
            instructor=texts["instrctrNm"][:100],
            start_date=start_date,
            end_date=end_date,
            start_time=start_time,
            end_time=end_time,
            weekdays=p["operDay"] or (),
            target_groups=cached("groups", f.target_groups, get("edcTrgetType", "")),
            mode=mode,
            place=texts["edcPlace"][:SHORT_LIMIT],
            address=texts["edcRdnmadr"][:SHORT_LIMIT],
            capacity=p["psncpa"],
            fee_krw=p["lctreCost"],
            operator=operator[:SHORT_LIMIT],
            operator_phone=cached("phone", _phone, get("operPhoneNumber", "")),
            registration_start=registration_start,
            registration_end=registration_end,
            application_methods=cached("methods", _methods, get("rceptMthType", "")),
            selection=cached("selection", _selection, get("slctnMthType", "")),
            homepage=homepage,
            job_training=p["oadtCtLctreYn"],
            credit_bank=p["pntBankAckestYn"],
            learning_account=p["lrnAcnutAckestYn"],
            reference_date=p["referenceDate"],
            provider_code=texts["insttCode"][:40],
            provider_name=texts["insttNm"][:SHORT_LIMIT],
        )
        return Outcome(course, (), tuple(warnings))


_FORMULA_START = frozenset("=+-@")


def _clean_line(text: str) -> str:
    if "<" in text or "&" in text:
        text = f.plain_text(text, limit=MAX_FIELD_CHARS)
    return " ".join(safe_text(text).split())


def _description(text: str) -> str:
    if "<" in text or "&" in text:
        return safe_text(f.plain_text(text, limit=DESCRIPTION_LIMIT))
    cleaned = "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())
    return safe_text(cleaned)[:DESCRIPTION_LIMIT]


def _weekday_tuple(text: str) -> tuple[int, ...]:
    days = f.weekdays(text)
    return tuple(sorted(days)) if days else ()


def _mode(text: str) -> str:
    if not text:
        return ""
    compact = text.replace(" ", "")
    if compact in MODES:
        return MODES[compact]
    found = {mode for word, mode in MODES.items() if word in compact}
    if "online" in found and "offline" in found:
        return "hybrid"
    return found.pop() if len(found) == 1 else ""


def _methods(text: str) -> tuple[str, ...]:
    found = {method for word, method in APPLICATION_METHODS.items() if word in text}
    if text.strip() and not found:
        found.add("other")
    return tuple(sorted(found))


def _selection(text: str) -> str:
    if not text:
        return ""
    for word, code in SELECTIONS.items():
        if word in text:
            return code
    return "other"


def _phone(text: str) -> str:
    cleaned = re.sub(r"[^\d\-~,/() ]", "", text).strip()
    return cleaned[:40]


_URL = re.compile(
    r"^(?:https?://)?[\w.-]+\.[a-z]{2,}(?::\d+)?(?:[/?#][^\s<>\"'`]*)?$", re.IGNORECASE
)


def _homepage(text: str) -> str:
    value = text.strip()
    if not value or len(value) > 280 or not _URL.match(value):
        return ""
    return value if value.lower().startswith(("http://", "https://")) else f"https://{value}"


# Fields parsed to values: (OpenAPI name, parser, strict). A strict field's bad value
# quarantines the row; a lenient one is stored as "not stated" with a warning.
_PARSED: tuple[tuple[str, Callable[[str], Any], bool], ...] = (
    ("edcStartDay", f.parse_date, True),
    ("edcEndDay", f.parse_date, True),
    ("edcStartTime", f.parse_time, True),
    ("edcColseTime", f.parse_time, True),
    ("rceptStartDate", f.parse_date, True),
    ("rceptEndDate", f.parse_date, True),
    ("psncpa", f.parse_capacity, True),
    ("lctreCost", f.parse_fee, True),
    ("referenceDate", f.parse_date, False),
    ("operDay", _weekday_tuple, False),
    ("oadtCtLctreYn", f.parse_flag, False),
    ("pntBankAckestYn", f.parse_flag, False),
    ("lrnAcnutAckestYn", f.parse_flag, False),
)
