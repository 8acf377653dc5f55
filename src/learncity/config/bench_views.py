"""The bare-bones baselines of the benchmarks: plain Django views that perform only the one
write the benchmarked request cannot do without. Mounted only by the benchmarks' URL
configuration (learncity.config.urls_bench, under learncity.config.settings_bench, with which
the benches start their own server); never by the platform's settings, whatever the
environment says.

- `POST /bench/seat/<offer>` (`learncity bench rush`): the conditional seat update;
- `POST /bench/checkin/<session>/<application>` (`learncity bench checkin`): the attendance
  insert, with the request key of the JSON body `{"request_key": ...}`.
"""

from __future__ import annotations

import json

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from learncity.attendance.services import checkin_bare
from learncity.enrollment.services import seat_take_bare


@csrf_exempt
@require_POST
def seat_baseline(request: HttpRequest, offer_id: int) -> JsonResponse:
    return JsonResponse({"taken": seat_take_bare(offer_id)})


@csrf_exempt
@require_POST
def checkin_baseline(request: HttpRequest, session_id: int, application_id: int) -> JsonResponse:
    try:
        key = str(json.loads(request.body or b"{}")["request_key"])
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": 'send {"request_key": ...}'}, status=400)
    inserted = checkin_bare(session_id=session_id, application_id=application_id, request_key=key)
    return JsonResponse({"inserted": inserted}, status=201 if inserted else 200)
