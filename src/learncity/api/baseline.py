"""The bare-bones baseline of `learncity bench rush`: one plain Django view that performs
only the conditional seat update. Mounted only when LEARNCITY_BENCH_ENDPOINTS=1 (the bench
starts its own server with it); never in a normal deployment."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from learncity.enrollment.services import seat_take_bare


@csrf_exempt
@require_POST
def seat_baseline(request: HttpRequest, offer_id: int) -> JsonResponse:
    return JsonResponse({"taken": seat_take_bare(offer_id)})
