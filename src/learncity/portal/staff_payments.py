"""The desk marks a fee paid (cash or card at the institution): one button per confirmed
place that still owes money, on the offer's staff page (issue 18)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from learncity.core.errors import LearncityError
from learncity.enrollment.payments import desk_payment_mark
from learncity.enrollment.selectors import offer_get_for_staff
from learncity.learners.access import requires
from learncity.portal.staff import _actor, _offer_page, _refused, refusal, staff_page


@require_POST
@staff_page
@requires("enrollment.payment_mark")
def payment_mark(request: HttpRequest, pk: int, application_id: int) -> HttpResponse:
    actor = _actor(request)
    try:
        offer = offer_get_for_staff(actor, pk)
    except LearncityError as exc:
        return _refused(request, exc)
    try:
        done = desk_payment_mark(actor=actor, application_id=application_id, offer_id=pk)
    except LearncityError as exc:
        message, status = refusal(exc)
        return _offer_page(request, offer, error=message, status=status)
    messages.success(
        request,
        _("신청 %(application)s번의 수강료 %(amount)s원을 창구에서 받은 것으로 기록했습니다")
        % {"application": application_id, "amount": f"{done['paid_krw']:,}"},
    )
    return redirect("portal:staff_offer", pk=pk)
