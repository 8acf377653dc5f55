"""Pages of the learning record and of credentials (issue 7).

The learner: my record (totals and a timeline), the transcript as PDF (WeasyPrint, Korean
fonts) and JSON, every credential as JSON, VC-JWT and a QR code to its verification page,
"download all my personal data" and "close my account" (with a confirmation step).
Everyone: the verification page (upload or paste), the issuer's profile, its public keys and
its status lists. Each view parses, authorises through one selector and calls one service."""

from __future__ import annotations

import json
import logging
from typing import Any

import segno
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from learncity.core import ratelimit
from learncity.core.errors import ConfigurationError, LearncityError
from learncity.core.ratelimit import client_address
from learncity.learners.access import Actor, requires
from learncity.learners.services import personal_data_access_record
from learncity.records import credentials, selectors, services
from learncity.records.keys import key_get, key_jwk

MAX_UPLOAD = 200_000
logger = logging.getLogger(__name__)


def _actor(request: HttpRequest) -> Actor:
    pk: Any = request.user.pk
    return Actor(int(pk))


def _refused(request: HttpRequest, exc: LearncityError) -> HttpResponse:
    return render(
        request, "portal/records/refused.html", {"error": exc.message}, status=exc.http_status
    )


def _json_download(data: Any, filename: str) -> HttpResponse:
    body = json.dumps(data, ensure_ascii=False, indent=2, cls=DjangoJSONEncoder)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def my_record(request: HttpRequest, learner_id: int | None = None) -> HttpResponse:
    """Totals (hours by area, year, institution; accredited hours) and the timeline."""
    actor = _actor(request)
    try:
        learner = selectors.learner_for_reader(actor, learner_id)
    except LearncityError as exc:
        return _refused(request, exc)
    if learner_id is not None:  # staff reading another person's record: the access log first
        personal_data_access_record(
            actor=actor,
            what="learner_record",
            action="records.learner_read",
            purpose="learning record viewed on the staff page",
            address=client_address(request),
            learner_id=learner,
        )
    summary = selectors.record_summary(learner)
    return render(
        request,
        "portal/records/record.html",
        {"summary": summary, "own": learner_id is None, "learner_id": learner},
    )


def transcript_pdf_bytes(data: dict[str, Any]) -> bytes:
    """The transcript as a PDF (WeasyPrint; the Korean font comes from fontconfig:
    fonts-nanum or fonts-noto-cjk)."""
    from weasyprint import HTML  # type: ignore[import-untyped]

    html = render_to_string("portal/records/transcript_pdf.html", {"t": data})
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


@login_required
@require_GET
def transcript(request: HttpRequest, fmt: str, learner_id: int | None = None) -> HttpResponse:
    if fmt not in {"pdf", "json"}:
        raise Http404("transcript.pdf or transcript.json")
    actor = _actor(request)
    try:
        learner = selectors.learner_for_reader(actor, learner_id)
    except LearncityError as exc:
        return _refused(request, exc)
    if learner_id is not None:  # staff downloading another person's transcript: logged
        personal_data_access_record(
            actor=actor,
            what="learner_record",
            action="records.learner_read",
            purpose=f"transcript ({fmt}) downloaded on the staff page",
            address=client_address(request),
            learner_id=learner,
        )
    try:
        data = selectors.transcript(learner)
    except LearncityError as exc:
        return _refused(request, exc)
    stamp = timezone.localdate().isoformat()
    if fmt == "json":
        return _json_download(data, f"learncity-transcript-{stamp}.json")
    response = HttpResponse(transcript_pdf_bytes(data), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="learncity-transcript-{stamp}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def my_data(request: HttpRequest) -> HttpResponse:
    """All personal data the platform holds about the signed-in person, as JSON."""
    try:
        learner = selectors.learner_for_reader(_actor(request))
        data = selectors.personal_data_export(learner)
    except LearncityError as exc:
        return _refused(request, exc)
    return _json_download(data, f"learncity-my-data-{timezone.localdate().isoformat()}.json")


@login_required
@require_http_methods(["GET", "POST"])
@requires("records.account_erase")
def account_delete(request: HttpRequest) -> HttpResponse:
    """Close my account: a page that says what happens, then a typed confirmation and the
    current password."""
    error = ""
    if request.method == "POST":
        try:
            services.account_erase(
                user_id=_actor(request).user_id,
                confirmation=str(request.POST.get("confirmation", ""))[:50],
                password=str(request.POST.get("password", "")),
            )
        except LearncityError as exc:
            error = exc.message
        else:
            logout(request)
            return render(request, "portal/records/deleted.html")
    return render(
        request,
        "portal/records/delete.html",
        {"error": error},
        status=422 if error else 200,
    )


@login_required
@require_GET
def credential_download(request: HttpRequest, uuid: str, fmt: str) -> HttpResponse:
    """One of my credentials: JSON (the VC 2.0 envelope), VC-JWT, or a QR code (SVG) of
    its verification address."""
    if fmt not in {"json", "jwt", "svg"}:
        raise Http404("credential .json, .jwt or .svg")
    try:
        found = selectors.credential_for_holder(_actor(request), uuid)
    except LearncityError as exc:
        return _refused(request, exc)
    if fmt == "json":
        return _json_download(credentials.envelope(found["jwt"]), f"credential-{uuid}.json")
    if fmt == "jwt":
        response = HttpResponse(found["jwt"], content_type=credentials.MEDIA_TYPE)
        response["Content-Disposition"] = f'attachment; filename="credential-{uuid}.jwt"'
        return response
    svg = segno.make(found["verification_url"], error="m").svg_inline(
        scale=4, title=gettext("검증 QR: %(title)s") % {"title": found["title"]}
    )
    return HttpResponse(svg, content_type="image/svg+xml")


@require_http_methods(["GET", "POST"])
@requires("records.credential_verify")
def verify(request: HttpRequest) -> HttpResponse:
    """Public: verify a credential pasted, uploaded, or behind a verification link; at most
    LEARNCITY_VERIFICATIONS_PER_MINUTE from one address, across every worker."""
    retry_after = ratelimit.rate_limit_hit(
        "verify",
        key=ratelimit.client_address(request),
        limit=settings.LEARNCITY_VERIFICATIONS_PER_MINUTE,
        window=60,
    )
    if retry_after is not None:
        response = HttpResponse(
            gettext("검증 요청이 너무 많습니다. 잠시 후 다시 해 주세요."),
            content_type="text/plain; charset=utf-8",
            status=429,
        )
        response["Retry-After"] = str(retry_after)
        return response
    text = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is not None and upload.size is not None and upload.size <= MAX_UPLOAD:
            text = upload.read().decode("utf-8", errors="replace")
        else:
            text = str(request.POST.get("credential", ""))[:MAX_UPLOAD]
    elif request.GET.get("id"):
        text = selectors.credential_public_jwt(str(request.GET["id"])) or ""
    result = credentials.credential_verify(text) if text.strip() else None
    if request.method == "GET" and request.GET.get("id") and result is None:
        result = credentials.Verification(False, "not_found", gettext("증명서를 찾을 수 없습니다"))
    status = 200
    return render(
        request,
        "portal/credentials/verify.html",
        {"result": result, "text": text if request.method == "POST" else ""},
        status=status,
    )


@require_GET
def issuer(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {
            "@context": [credentials.VC_CONTEXT, credentials.OB_CONTEXT],
            **credentials.issuer_profile(),
        },
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
def key(request: HttpRequest, key_id: str) -> JsonResponse:
    found = key_get(key_id)
    if found is None:
        raise Http404("no such key")
    return JsonResponse(key_jwk(found))


@require_GET
def status_list(request: HttpRequest, number: int) -> HttpResponse:
    """The Bitstring Status List credential (VC-JWT), signed at most once a minute by this
    process. Without a usable signing key it answers 503 and makes none (issue 19)."""
    if not 1 <= number <= 100_000:
        raise Http404("no such list")
    try:
        token = credentials.status_list_jwt(number)
    except ConfigurationError as exc:
        logger.warning("status list %d not served: %s", number, exc.message)
        response = HttpResponse(
            gettext("증명서 폐지 목록을 지금 제공할 수 없습니다. 잠시 후 다시 시도해 주세요."),
            content_type="text/plain; charset=utf-8",
            status=503,
        )
        response["Retry-After"] = "300"
        response["Cache-Control"] = "no-store"
        return response
    response = HttpResponse(token, content_type=credentials.MEDIA_TYPE)
    response["Cache-Control"] = f"public, max-age={int(credentials.STATUS_LIST_TTL)}"
    return response
