"""An ended course (its last day before today) refuses applications, whatever its offer's
window says (issue 18): in the service, on the programme page and in the API, with the stable
code `course_ended`; on its last day it still takes them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from learncity.catalog.models import Schedule
from learncity.enrollment import services
from learncity.enrollment.models import Application, Offer
from learncity.enrollment.selectors import registration_status
from learncity.learners.services import api_token_create
from tests.clients import api_call, signed_in
from tests.enrollment.factories import apply, offer_on
from tests.learners.factories import citizen

pytestmark = pytest.mark.django_db


def _ended_yesterday(schedule_id: int) -> dt.date:
    """The schedule's course moved to end yesterday (by the real clock; rolled back)."""
    today = timezone.localdate()
    Schedule.objects.filter(pk=schedule_id).update(
        start_date=today - dt.timedelta(days=30), end_date=today - dt.timedelta(days=1)
    )
    return today - dt.timedelta(days=1)


def test_the_service_refuses_an_ended_course_and_takes_its_last_day(world):
    schedule_id = world["schedules"][5][0]
    last_day = Schedule.objects.get(pk=schedule_id).end_date
    day_after = timezone.make_aware(
        dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(10))
    )
    offer = offer_on(
        schedule_id,
        actor=world["city_admin"],
        capacity=5,
        opens_at=day_after - dt.timedelta(days=30),
        closes_at=day_after + dt.timedelta(days=7),  # the window is still open
    )
    learner, actor = citizen()
    with pytest.raises(services.CourseEnded) as refused:
        apply(learner, actor, offer, now=day_after)
    assert refused.value.code == "course_ended" and refused.value.http_status == 409
    assert last_day.isoformat() in refused.value.message
    assert not Application.objects.filter(offer=offer).exists()
    assert Offer.objects.get(pk=offer.pk).general_taken == 0  # no seat was taken
    status = registration_status(offer.programme_id, now=day_after)
    assert (status.state, status.status, status.accepting) == ("ended", "closed", False)
    # on the last day itself the course still takes people
    last = timezone.make_aware(dt.datetime.combine(last_day, dt.time(10)))
    assert apply(learner, actor, offer, now=last).status == "confirmed"


def test_the_page_and_the_api_refuse_an_ended_course(world):
    schedule_id = world["schedules"][6][0]
    last_day = _ended_yesterday(schedule_id)
    now = timezone.now()
    offer = offer_on(
        schedule_id,
        actor=world["city_admin"],
        capacity=5,
        opens_at=now - dt.timedelta(days=3),
        closes_at=now + dt.timedelta(days=3),
    )
    learner, actor = citizen()
    client = signed_in(actor)
    page = client.get(f"/programmes/{offer.programme_id}").content.decode()
    assert 'data-state="ended"' in page
    assert "끝난 강좌에는 신청할 수 없습니다" in page
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', page)
    assert key
    answer = client.post(f"/programmes/{offer.programme_id}/apply", {"idempotency_key": key[1]})
    assert answer.status_code == 409
    body = answer.content.decode()
    assert 'role="alert"' in body and last_day.isoformat() in body
    # the API: the same refusal with its stable code
    token = api_token_create(learner.user_id)
    refused = api_call(
        token,
        "post",
        "/api/v1/applications",
        {"offer_id": offer.pk, "idempotency_key": "ended-course-0001"},
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "course_ended"
    assert not Application.objects.filter(offer=offer).exists()
    detail = api_call(None, "get", f"/api/v1/programmes/{offer.programme_id}").json()
    assert (detail["registration_status"], detail["registration_state"]) == ("closed", "ended")
    # a visitor's page says so too, with no apply form of any kind
    anonymous = Client().get(f"/programmes/{offer.programme_id}").content.decode()
    assert 'data-state="ended"' in anonymous


def test_an_ended_course_takes_no_new_offer_from_the_page_or_the_api(world):
    """Staff cannot open enrolment on a course that has ended (the README's example once
    did, on the real file's first course): the form and the API refuse with `course_ended`
    and nothing is created; the schedule picker does not list it."""
    from tests.portal.test_staff_pages import offer_form

    schedule_id = world["schedules"][7][0]
    Offer.objects.filter(schedule_id=schedule_id).delete()
    last_day = _ended_yesterday(schedule_id)
    admin = signed_in(world["city_admin"])
    answer = admin.post("/staff/offers/new", offer_form(schedule_id))
    assert answer.status_code == 409
    assert last_day.isoformat() in answer.content.decode()
    token = api_token_create(world["users"]["city_admin"].pk)
    now = timezone.now()
    refused = api_call(
        token,
        "post",
        "/api/v1/offers",
        {
            "schedule_id": schedule_id,
            "capacity": 10,
            "opens_at": now.isoformat(),
            "closes_at": (now + dt.timedelta(days=7)).isoformat(),
        },
    )
    assert refused.status_code == 409 and refused.json()["code"] == "course_ended"
    assert refused.json()["details"]["end_date"] == last_day.isoformat()
    assert not Offer.objects.filter(schedule_id=schedule_id).exists()
    # on its last day a course still takes an offer
    Schedule.objects.filter(pk=schedule_id).update(end_date=timezone.localdate())
    assert admin.post("/staff/offers/new", offer_form(schedule_id)).status_code == 302


def test_the_schedule_picker_lists_no_ended_course(world):
    from learncity.enrollment.selectors import schedules_for_staff

    schedule_id = world["schedules"][8][0]
    Offer.objects.filter(schedule_id=schedule_id).delete()
    Schedule.objects.filter(pk=schedule_id).update(end_date=timezone.localdate())
    listed = {r["id"] for r in schedules_for_staff(world["city_admin"], per_page=10_000)["rows"]}
    assert schedule_id in listed
    _ended_yesterday(schedule_id)
    listed = {r["id"] for r in schedules_for_staff(world["city_admin"], per_page=10_000)["rows"]}
    assert schedule_id not in listed
    today = timezone.localdate()
    ends = Schedule.objects.filter(pk__in=listed).values_list("end_date", flat=True)
    assert all(end >= today for end in ends)
