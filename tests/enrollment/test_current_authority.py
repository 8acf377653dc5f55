"""Issue 19, finding 6: who entered an application is an audit fact, never a permission. A
household proxy acts for the learner only while their link is current, desk staff only while
their role covers the offer: a withdrawn proxy or staff moved elsewhere is refused (403, the
project's error shape) on the API and the pages, and nothing changes (the application's
status, its check-in code, the audit log)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from learncity.attendance.checkin_code import token_of as code_of
from learncity.attendance.models import CheckinToken
from learncity.enrollment import services
from learncity.enrollment.models import Application, AuditEvent
from learncity.learners.access import Actor
from learncity.learners.models import HouseholdLink, Learner, StaffRole
from tests.clients import api_call, signed_in, token_of
from tests.enrollment.factories import offer_open_now
from tests.learners.factories import citizen, staff


def _state(application_id: int) -> tuple[Any, ...]:
    """What a refused request must leave as it was."""
    return (
        Application.objects.get(pk=application_id).status,
        list(CheckinToken.objects.order_by("pk").values_list("pk", "digest", "revoked_at")),
        AuditEvent.objects.count(),
    )


def _apply(actor: Actor, learner: Learner, offer_id: int, channel: str = "online") -> int:
    done = services.apply(
        actor=actor,
        offer_id=offer_id,
        learner_id=learner.pk,
        idempotency_key=f"entered-{actor.user_id}-{learner.pk}",
        channel=channel,
    )
    assert done.status == "confirmed", done
    return done.application_id


def _refused(actor: Actor, application_id: int) -> None:
    """The actor's cancel and check-in code fetch through the API and the pages: all refused,
    nothing changed."""
    before = _state(application_id)
    token = token_of(actor)
    payment = {"voucher_id": 1, "amount_krw": 10_000, "idempotency_key": "pay-by-a-past-proxy"}
    for method, path, body in (
        ("post", f"/api/v1/applications/{application_id}/cancel", None),
        ("post", f"/api/v1/applications/{application_id}/voucher-payment", payment),
        ("get", f"/api/v1/applications/{application_id}/checkin-code", None),
        ("get", f"/api/v1/applications/{application_id}/checkin-code.svg", None),
        ("post", f"/api/v1/applications/{application_id}/checkin-code/reissue", None),
    ):
        answer = api_call(token, method, path, body)
        assert answer.status_code == 403, (path, answer.content)
        assert answer.json()["code"] == "forbidden", path
        assert set(answer.json()) == {"code", "message", "details"}, path
    page = signed_in(actor)
    for action in ("cancel", "reissue"):
        url = reverse("portal:application_change", args=[application_id, action])
        assert page.post(url).status_code == 403, action
    card = page.get(reverse("portal:application_change", args=[application_id, "card"]))
    assert card.status_code in {403, 404}
    for nonce in CheckinToken.objects.filter(application_id=application_id).values_list(
        "nonce", flat=True
    ):
        assert code_of(nonce) not in card.content.decode()
    assert _state(application_id) == before


def _allowed(actor: Actor, application_id: int) -> None:
    token = token_of(actor)
    code = api_call(token, "get", f"/api/v1/applications/{application_id}/checkin-code")
    assert code.status_code == 200, code.content
    done = api_call(token, "post", f"/api/v1/applications/{application_id}/cancel")
    assert (done.status_code, done.json()["status"]) == (200, "cancelled"), done.content
    assert Application.objects.get(pk=application_id).status == "cancelled"


def test_a_withdrawn_proxy_is_refused_and_a_current_one_still_acts(db, world):
    o = offer_open_now(world, 0, capacity=5)
    member, member_actor = citizen(birth_year=1944)
    proxy, proxy_actor = citizen()
    new_proxy, new_proxy_actor = citizen()
    link = HouseholdLink.objects.create(proxy=proxy, member=member, consented_at=timezone.now())
    application_id = _apply(proxy_actor, member, o.pk)
    assert Application.objects.get(pk=application_id).entered_by_id == proxy_actor.user_id
    # while the link is current the proxy fetches the code (issued now, before the snapshot)
    first = api_call(
        token_of(proxy_actor), "get", f"/api/v1/applications/{application_id}/checkin-code"
    )
    assert first.status_code == 200
    HouseholdLink.objects.filter(pk=link.pk).update(withdrawn_at=timezone.now())
    _refused(proxy_actor, application_id)
    HouseholdLink.objects.create(proxy=new_proxy, member=member, consented_at=timezone.now())
    _allowed(new_proxy_actor, application_id)
    assert member_actor.user_id != proxy_actor.user_id


def test_the_learner_still_acts_on_what_a_proxy_entered(db, world):
    o = offer_open_now(world, 0, capacity=5)
    member, member_actor = citizen(birth_year=1944)
    proxy, proxy_actor = citizen()
    link = HouseholdLink.objects.create(proxy=proxy, member=member, consented_at=timezone.now())
    application_id = _apply(proxy_actor, member, o.pk)
    HouseholdLink.objects.filter(pk=link.pk).update(withdrawn_at=timezone.now())
    _allowed(member_actor, application_id)


def test_desk_staff_who_lost_their_role_or_moved_are_refused(db, world):
    institution_id = world["schedules"][0][2]
    o = offer_open_now(world, 0, capacity=5)
    moved = staff("institution_staff", institution_id=institution_id)
    left = staff("institution_staff", institution_id=institution_id)
    current = staff("institution_staff", institution_id=institution_id)
    learners = [citizen(birth_year=1950)[0] for _ in range(3)]
    moved_app, left_app, current_app = (
        _apply(who, person, o.pk, channel="desk")
        for who, person in zip((moved, left, current), learners, strict=True)
    )
    StaffRole.objects.filter(user_id=moved.user_id).update(
        institution_id=world["other_institution"]
    )
    StaffRole.objects.filter(user_id=left.user_id).delete()
    _refused(moved, moved_app)
    _refused(left, left_app)
    # the institution's current staff act on any of them, whoever entered it
    _allowed(current, moved_app)
    _allowed(current, current_app)
    assert Application.objects.get(pk=left_app).status == "confirmed"
