"""The JSON API, version 1 (`/api/v1/`): thin — parse, call a selector, shape the answer.

Errors are JSON objects `{"code", "message", "details"}` with a stable code: `invalid_request`
(422, a parameter of the wrong type), `invalid_search` (422, a value the search cannot use),
`not_found` (404), `rate_limited` (429). Every router raises the project's errors
(learncity.core.errors) and this module's one handler answers them with their own status
(`http_status`) and `details`; no router re-wraps a call. Reads carry `Cache-Control`; each
client (address) may make LEARNCITY_API_RATE requests a minute (default 600).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from typing import Annotated, Any, Literal

from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext
from ninja import Field, NinjaAPI, Query, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from pydantic import WithJsonSchema

from learncity.catalog.selectors import institution_rows, programme_rows, venue_rows
from learncity.core.error_words import error_body
from learncity.core.errors import LearncityError, NotFound
from learncity.core.ratelimit import client_address, rate_limit_hit
from learncity.enrollment.selectors import registration_status
from learncity.regions.selectors import region_refs
from learncity.search.selectors import programme_search, search_params_from

logger = logging.getLogger(__name__)

api = NinjaAPI(
    title="learncity API",
    version="1",
    description=(
        "평생학습 강좌 검색 · lifelong-learning programmes of the city: search, detail, "
        "institutions, venues and areas. Course data: Ministry of Education (national "
        "lifelong-learning course standard data); areas: Ministry of the Interior and Safety."
    ),
    urls_namespace="api-v1",
)


class ErrorOut(Schema):
    code: str
    message: str
    details: dict[str, Any] = {}


ERRORS: dict[int, type[Schema]] = {404: ErrorOut, 422: ErrorOut, 429: ErrorOut}
# What the signed-in endpoints may answer instead (the OpenAPI document declares them):
# 401 unauthorized, 403 forbidden, 404 not found, 409 a conflict with the state, 422 otherwise.
REFUSALS: dict[int, Any] = {
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


def _error(request: HttpRequest, status: int, code: str, message: str, **details: Any) -> Any:
    return api.create_response(request, error_body(code, message, details), status=status)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    problems = [
        {"where": ".".join(str(p) for p in e.get("loc", ())), "problem": str(e.get("msg", ""))}
        for e in exc.errors
    ]
    return _error(request, 422, "invalid_request", "a parameter is not valid", errors=problems)  # type: ignore[no-any-return]


@api.exception_handler(LearncityError)
def _domain(request: HttpRequest, exc: LearncityError) -> HttpResponse:
    """The one handler of the project's errors: the error's status (403 forbidden, 404 not
    found, 409 conflicts, 422 otherwise) and its details, in the reader's language."""
    return JsonResponse(
        error_body(exc.code, exc.message, exc.details),
        status=exc.http_status,
        json_dumps_params={"ensure_ascii": False},
    )


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return JsonResponse(
        {
            "code": "unauthorized",
            "message": gettext("로그인하거나 API 토큰을 보내 주세요"),
            "details": {},
        },
        status=401,
        json_dumps_params={"ensure_ascii": False},
    )


# The errors ninja raises itself, e.g. 403 when a session POST lacks its CSRF token; without
# this handler they would be `{"detail": ...}`, not the shape the document declares.
HTTP_ERROR_CODES = {401: "unauthorized", 403: "forbidden", 404: "not_found", 429: "rate_limited"}


@api.exception_handler(HttpError)
def _http(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400:  # ninja's "Cannot parse request body": the documented 422
        return _error(request, 422, "invalid_request", "the request body is not valid JSON")  # type: ignore[no-any-return]
    code = HTTP_ERROR_CODES.get(exc.status_code, "http_error")
    return _error(request, exc.status_code, code, str(exc.message))  # type: ignore[no-any-return]


@api.exception_handler(Http404)
def _missing(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", "no such resource")  # type: ignore[no-any-return]


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def _database_down(request: HttpRequest, exc: Exception) -> HttpResponse:
    """The database does not answer (down, unreachable, out of connections): the API's own
    JSON 503, within the connection timeout (LEARNCITY_DB_CONNECT_TIMEOUT), not an HTML 500."""
    logger.error("API %s %s: the database does not answer: %s", request.method, request.path, exc)
    response: HttpResponse = _error(
        request,
        503,
        "database_unavailable",
        gettext("데이터베이스가 응답하지 않습니다. 잠시 뒤에 다시 해 주세요"),
    )
    response["Retry-After"] = "30"
    return response


class RateLimited(Exception):
    pass


@api.exception_handler(RateLimited)
def _limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    response: HttpResponse = _error(
        request, 429, "rate_limited", "too many requests: wait a minute", limit=_rate()
    )
    response["Retry-After"] = "60"
    return response


def _rate() -> int:
    try:
        return max(1, int(os.environ.get("LEARNCITY_API_RATE", "600")))
    except ValueError:
        return 600


def throttle(request: HttpRequest) -> None:
    """A fixed one-minute window per client address (behind a trusted proxy, the address it
    names), counted in the cache that every worker shares."""
    if rate_limit_hit("api", key=client_address(request), limit=_rate(), window=60) is not None:
        raise RateLimited


def _cached(response: HttpResponse, seconds: int = 60) -> None:
    response["Cache-Control"] = f"public, max-age={seconds}"


# ------------------------------------------------------------------ schemas

# A course's wall-clock time in Korea, sent as "19:00:00". JSON Schema's `format: time` is
# RFC 3339 full-time, which requires an offset ("19:00:00+09:00"); declaring it would make
# every answer invalid against the document, so the document says what is sent.
LocalTime = Annotated[
    dt.time,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?$",
            "description": "local time in Korea (Asia/Seoul), HH:MM:SS, no offset",
        }
    ),
]


class Facet(Schema):
    value: str
    count: int
    label: str | None = None


class ProgrammeCard(Schema):
    id: int
    title: str
    display_title: str
    score: float
    category: str
    middle_category: str
    institution: str
    institution_id: int
    venue: str | None
    venue_id: int | None
    sido: str
    sigungu: str | None
    eupmyeondong: str | None
    start_date: dt.date | None
    end_date: dt.date | None
    weekdays: list[int] | None
    start_time: LocalTime | None
    end_time: LocalTime | None
    fee_krw: int | None
    is_free: bool | None
    mode: str
    target_groups: list[str]
    registration_start: dt.date | None
    registration_end: dt.date | None
    registration_status: str  # upcoming, open, closed, unknown (what ?status= filters on)
    # upcoming, open, closing_soon, waitlist, closed, ended, unknown (algorithms.registration)
    registration_state: str = ""
    registration_days: int | None
    distance_m: int | None
    walking_minutes: int | None
    index_location_precision: str


class SearchOut(Schema):
    query: str
    total: int
    page: int
    pages: int
    per_page: int
    today: dt.date
    suggestion: str | None
    notes: list[str]
    results: list[ProgrammeCard]
    facets: dict[str, list[Facet]]


class SearchQuery(Schema):
    q: str = Field("", description="검색어 · what to look for (Korean or Latin)")
    district: list[str] = Field([], description="시·군·구 name or code")
    neighbourhood: list[str] = Field([], description="읍·면·동 name or code")
    near: str = Field("", description="a 읍·면·동 / 시·군·구 name, an address, or 'lat,lon'")
    minutes: int = Field(15, ge=1, le=120, description="with near: minutes on foot")
    weekday: list[str] = Field([], description="월..일, mon..sun or 1..7")
    time: list[Literal["morning", "afternoon", "evening"]] = []
    weekend: bool = False
    group: list[str] = Field([], description="target group, e.g. 어르신")
    category: list[str] = Field([], description="area, e.g. 문화예술")
    free: bool = False
    fee_min: int | None = Field(None, ge=0, le=100_000_000)
    fee_max: int | None = Field(None, ge=0, le=100_000_000)
    voucher: bool = False
    credit_bank: bool = False
    learning_account: bool = False
    mode: list[Literal["offline", "online", "hybrid"]] = []
    status: list[Literal["upcoming", "open", "closed"]] = []
    open_now: bool = False
    today: dt.date | None = Field(None, description="take this date as today")
    sort: Literal["relevance", "start", "distance", "fee"] = "relevance"
    page: int = Field(1, ge=1, le=1000)
    per_page: int = Field(20, ge=1, le=100)


class ProgrammeOut(ProgrammeCard):
    description: str
    source_category_word: str
    category_confidence: float | None
    category_source: str
    category_reason: str
    capacity: int | None
    application_methods: list[str] | None
    selection: str | None
    place: str | None
    credit_bank: bool | None
    learning_account: bool | None
    job_training: bool | None
    homepage: str
    instructor: str | None = None
    provider_code: str
    provider_name: str
    reference_date: dt.date | None
    address: str | None
    accessibility_notes: str | None


class InstitutionOut(Schema):
    id: int
    name: str
    kind: str
    phone: str
    homepage: str
    district: str | None
    district_code: str | None
    programmes: int
    venues: int


class VenueOut(Schema):
    id: int
    name: str
    road_address: str
    institution_id: int
    institution: str
    sido: str | None
    sigungu: str | None
    district_code: str | None
    eupmyeondong: str | None
    neighbourhood_code: str | None
    latitude: float | None
    longitude: float | None
    location_precision: str
    address_note: str
    accessibility_notes: str
    programmes: int


class Paging(Schema):
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


class RegionQuery(Schema):
    level: Literal["province", "district", "neighbourhood"] | None = None
    parent: str | None = Field(None, max_length=10, description="parent area code")
    limit: int = Field(500, ge=1, le=5000)
    offset: int = Field(0, ge=0, le=100_000)


class RegionOut(Schema):
    code: str
    level: str
    name: str
    full_name: str
    parent_code: str | None
    latitude: float | None
    longitude: float | None


# ------------------------------------------------------------------ endpoints


@api.get("/programmes", response={200: SearchOut, **ERRORS}, tags=["programmes"])
def programmes_search(
    request: HttpRequest, response: HttpResponse, filters: Query[SearchQuery]
) -> Any:
    """Search programmes: Korean-aware full text, filters, facets; the ranking the pages use."""
    throttle(request)
    page = programme_search(search_params_from(request.GET.getlist))
    _cached(response)
    return {
        "query": page.query.text,
        "total": page.total,
        "page": page.params.page,
        "pages": page.pages,
        "per_page": page.params.per_page,
        "today": page.today,
        "suggestion": page.suggestion,
        "notes": page.notes,
        "results": page.results,
        "facets": page.facets,
    }


@api.get("/programmes/{programme_id}", response={200: ProgrammeOut, **ERRORS}, tags=["programmes"])
def programme_detail(request: HttpRequest, response: HttpResponse, programme_id: int) -> Any:
    """One programme, with its schedule, registration window and source."""
    throttle(request)
    rows = list(programme_rows(ids=[programme_id])) if 0 < programme_id < 2**62 else []
    if not rows:
        raise NotFound(f"no programme {programme_id}")
    row = rows[0]
    window = registration_status(programme_id, published=row)  # the one status
    _cached(response)
    return {
        **row,
        "score": 0.0,
        "registration_status": window.status,
        "registration_state": window.state,
        "registration_days": window.days,
        "distance_m": None,
        "walking_minutes": None,
        "index_location_precision": row["location_precision"] or "unknown",
        "middle_category": row["middle_category"] or "",
    }


@api.get("/institutions", response={200: list[InstitutionOut], **ERRORS}, tags=["places"])
def institutions(request: HttpRequest, response: HttpResponse, paging: Query[Paging]) -> Any:
    throttle(request)
    _cached(response)
    return institution_rows(limit=paging.limit, offset=paging.offset)


@api.get(
    "/institutions/{institution_id}", response={200: InstitutionOut, **ERRORS}, tags=["places"]
)
def institution(request: HttpRequest, response: HttpResponse, institution_id: int) -> Any:
    throttle(request)
    rows = institution_rows(ids=[institution_id]) if 0 < institution_id < 2**62 else []
    if not rows:
        raise NotFound(f"no institution {institution_id}")
    _cached(response)
    return rows[0]


@api.get("/venues", response={200: list[VenueOut], **ERRORS}, tags=["places"])
def venues(request: HttpRequest, response: HttpResponse, paging: Query[Paging]) -> Any:
    throttle(request)
    _cached(response)
    return venue_rows(limit=paging.limit, offset=paging.offset)


@api.get("/venues/{venue_id}", response={200: VenueOut, **ERRORS}, tags=["places"])
def venue(request: HttpRequest, response: HttpResponse, venue_id: int) -> Any:
    throttle(request)
    rows = venue_rows(ids=[venue_id]) if 0 < venue_id < 2**62 else []
    if not rows:
        raise NotFound(f"no venue {venue_id}")
    _cached(response)
    return rows[0]


@api.get("/regions", response={200: list[RegionOut], **ERRORS}, tags=["places"])
def regions(request: HttpRequest, response: HttpResponse, filters: Query[RegionQuery]) -> Any:
    """Administrative areas (시·도, 시·군·구, 읍·면·동) with their centroids."""
    throttle(request)
    level, parent = filters.level, filters.parent
    found = [
        r
        for r in region_refs()
        if (level is None or r.level == level) and (parent is None or r.parent_code == parent)
    ]
    _cached(response, 3600)
    return [
        {
            "code": r.code,
            "level": r.level,
            "name": r.name,
            "full_name": r.full_name,
            "parent_code": r.parent_code,
            "latitude": r.centroid[0] if r.centroid else None,
            "longitude": r.centroid[1] if r.centroid else None,
        }
        for r in found[filters.offset : filters.offset + filters.limit]
    ]
