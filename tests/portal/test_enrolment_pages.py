"""The enrolment pages with Django's test client, on real schedules of the Gangnam
catalog: the apply form on a programme page, a double submit answered as a retry, a
refusal shown with its 4xx status, my applications and someone else's application."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.test import Client
from django.utils import timezone

from learncity.enrollment.models import Application, Offer
from learncity.learners.services import learner_sign_up
from tests.enrollment.factories import offer_open_now

PASSWORD = "Learn-city-2026!"
_phones = iter(range(20_000_000, 99_999_999, 7919))


def citizen(username: str) -> Client:
    learner_sign_up(
        username=username,
        password=PASSWORD,
        name="김시민",
        birth_year=1970,
        phone=f"010{next(_phones)}",
    )
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def key_of(page: Any) -> str:
    return re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', page.content.decode())[1]


def test_programme_page_shows_the_offer_and_login_link_to_a_visitor(db, world):
    offer = offer_open_now(world, 0, capacity=3)
    page = Client().get(f"/programmes/{offer.programme_id}")
    body = page.content.decode()
    assert page.status_code == 200
    assert "온라인 수강신청" in body and 'data-testid="seats-left">3 / 3<' in body
    assert f'href="/accounts/login?next=/programmes/{offer.programme_id}"' in body
    assert 'name="idempotency_key"' not in body
    answer = Client().post(f"/programmes/{offer.programme_id}/apply", {"idempotency_key": "x" * 32})
    assert answer.status_code == 302
    assert answer["Location"] == f"/accounts/login?next=/programmes/{offer.programme_id}"


def test_double_submit_with_the_same_key_makes_one_application(db, world):
    offer = offer_open_now(world, 1, capacity=2)
    kim = citizen("kim-apply")
    page = kim.get(f"/programmes/{offer.programme_id}")
    key = key_of(page)
    assert key != key_of(kim.get(f"/programmes/{offer.programme_id}"))  # fresh per render
    first = kim.post(f"/programmes/{offer.programme_id}/apply", {"idempotency_key": key})
    shown = kim.get(first["Location"]).content.decode()
    assert "수강이 확정되었습니다" in shown and "이미 접수된 신청입니다" not in shown
    second = kim.post(f"/programmes/{offer.programme_id}/apply", {"idempotency_key": key})
    assert first.status_code == second.status_code == 302
    assert Application.objects.filter(offer=offer).count() == 1
    assert Offer.objects.get(pk=offer.pk).general_taken == 1
    again = kim.get(second["Location"]).content.decode()
    assert "이미 접수된 신청입니다" in again
    assert 'data-testid="my-application"' in again and "수강 확정" in again
    # a new key for the same programme: a second application is refused, with its status
    refused = kim.post(f"/programmes/{offer.programme_id}/apply", {"idempotency_key": "b" * 32})
    assert refused.status_code == 409
    assert "이미 이 강좌에 신청했습니다" in refused.content.decode()


def test_apply_outside_the_window_shows_the_message_with_409(db, world):
    now = timezone.now()
    offer = offer_open_now(
        world, 2, opens_at=now + dt.timedelta(days=1), closes_at=now + dt.timedelta(days=2)
    )
    kim = citizen("kim-early")
    page = kim.get(f"/programmes/{offer.programme_id}")
    assert "아직 신청 기간이 아닙니다" in page.content.decode()
    answer = kim.post(f"/programmes/{offer.programme_id}/apply", {"idempotency_key": key_of(page)})
    assert answer.status_code == 409
    body = answer.content.decode()
    assert 'role="alert"' in body and "지금은 신청 기간이 아닙니다" in body
    assert "applications are taken from" in body
    assert not Application.objects.filter(offer=offer).exists()


def test_waitlist_then_cancel_offers_the_place_and_accept_confirms(db, world):
    offer = offer_open_now(world, 3, capacity=1, accept_hours=24)
    kim, lee = citizen("kim-first"), citizen("lee-second")
    url = f"/programmes/{offer.programme_id}"
    kim.post(url + "/apply", {"idempotency_key": key_of(kim.get(url))})
    waiting = lee.post(url + "/apply", {"idempotency_key": key_of(lee.get(url))})
    assert "대기 1번입니다" in lee.get(waiting["Location"]).content.decode()
    mine = lee.get("/me/applications").content.decode()
    assert "· 대기 1번" in mine

    kim_app = Application.objects.get(offer=offer, learner__user__username="kim-first")
    lee_app = Application.objects.get(offer=offer, learner__user__username="lee-second")
    # Lee cannot cancel Kim's application: a 403 page, nothing changes
    refused = lee.post(f"/me/applications/{kim_app.pk}/cancel")
    assert refused.status_code == 403
    assert "이 신청을 바꿀 수 없습니다" in refused.content.decode()
    assert Application.objects.get(pk=kim_app.pk).status == "confirmed"
    # nor accept his own waitlisted application before it is offered
    early = lee.post(f"/me/applications/{lee_app.pk}/accept")
    assert early.status_code == 409 and "지금 상태에서는 할 수 없습니다" in early.content.decode()

    assert kim.post(f"/me/applications/{kim_app.pk}/cancel").status_code == 302
    offered = lee.get("/me/applications").content.decode()
    assert "추가 합격" in offered and 'data-testid="deadline"' in offered
    deadline = timezone.localtime(Application.objects.get(pk=lee_app.pk).accept_by)
    assert f"{deadline:%Y-%m-%d %H:%M}" in offered
    assert lee.post(f"/me/applications/{lee_app.pk}/accept").status_code == 302
    assert Application.objects.get(pk=lee_app.pk).status == "confirmed"
    assert "수강 확정" in lee.get("/me/applications").content.decode()
    unknown = lee.post(f"/me/applications/{lee_app.pk}/nonsense")
    assert unknown.status_code == 404
    # Kim cancelled: the programme page offers the form again, and he joins the waiting list
    again = kim.get(url)
    assert 'data-testid="my-application"' not in again.content.decode()
    rejoined = kim.post(url + "/apply", {"idempotency_key": key_of(again)})
    assert "대기 1번입니다" in kim.get(rejoined["Location"]).content.decode()


def test_an_account_without_a_learner_profile_is_told_so(db, world):
    from django.contrib.auth.models import User

    offer = offer_open_now(world, 4)
    User.objects.create_user("staff-only", password=PASSWORD)
    staff = Client()
    staff.login(username="staff-only", password=PASSWORD)
    answer = staff.post(f"/programmes/{offer.programme_id}/apply", {"idempotency_key": "c" * 32})
    assert answer.status_code == 403
    assert "learner profile" in answer.content.decode()
