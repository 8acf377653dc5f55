"""The satisfaction survey end to end on real Gangnam schedules: invited once per completion
through the outbox, answered once through the tokenised page, refused when forged, expired
or out of range, results by programme, institution, category and group with numbers
written by hand, comments masked, and erasure keeping the ratings as anonymous aggregates."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from tests.attendance.factories import course, enrol
from tests.concurrency import in_threads

from learncity.analytics.models import SurveyInvitation, SurveyResponse
from learncity.analytics.survey import (
    SurveyAlreadyAnswered,
    SurveyExpired,
    SurveyInvalid,
    SurveyUnknown,
    survey_comments,
    survey_get,
    survey_invite_pending,
    survey_overview,
    survey_respond,
    survey_results,
)
from learncity.attendance import services as attendance_services
from learncity.learners.models import Learner
from learncity.notifications.models import OutboxMessage

HOUR = dt.timedelta(hours=1)
ANSWERS = {"overall": 5, "content": 4, "instructor": 5, "venue": 3, "recommend": 4}


@dataclass(frozen=True)
class Filters:
    year: int | None = None
    term: str | None = None
    month: int | None = None
    district_code: str | None = None
    institution_id: int | None = None


def complete(world: dict[str, Any], index: int, people: list[dict[str, Any]]) -> dict[str, Any]:
    """An offer on the index-th weekly schedule; each person attends every session; the
    completion run after the last one. Returns the course and {application id: learner}."""
    c = course(world, index)
    enrolled = {}
    for kw in people:
        learner, _, application = enrol(c, **kw)
        enrolled[application] = learner
        for s in c["sessions"]:
            attendance_services.attendance_mark(
                actor=world["admin"], session_id=s.id, application_id=application, status="present"
            )
    c["after"] = c["sessions"][-1].ends_at + HOUR
    c["run"] = attendance_services.completion_run(offer_id=c["offer"].pk, now=c["after"])
    c["people"] = enrolled
    c["at"] = c["after"] + HOUR  # answers come in an hour after the completion
    return c


def open_links() -> None:
    """Completions happen on the courses' dates (2026); the links expire 30 days later, so
    tests that answer through the real clock reopen them."""
    SurveyInvitation.objects.update(expires_at=timezone.now() + dt.timedelta(days=1))


def token_of(application_id: int) -> str:
    invitation = SurveyInvitation.objects.get(application_id=application_id)
    message = OutboxMessage.objects.get(
        kind="survey", dedupe_key=f"completion:{invitation.completion_id}:survey"
    )
    found = re.search(r"/survey/(\S+)", message.body)
    assert found
    return found.group(1)


def test_one_invitation_per_completion_through_the_outbox(db, world):
    c = complete(world, 4, [{"birth_year": 1955}, {"birth_year": 1990}])
    assert c["run"]["emitted"] == 2
    invitations = SurveyInvitation.objects.filter(application_id__in=list(c["people"]))
    assert invitations.count() == 2
    messages = OutboxMessage.objects.filter(kind="survey")
    assert messages.count() == 2
    assert all(m.channel == "sms" for m in messages)
    assert all("/survey/" in m.body and "만족도" in m.body for m in messages)
    # the token is not stored, only its digest
    for application in c["people"]:
        assert SurveyInvitation.objects.get(application_id=application).token_digest != token_of(
            application
        )
    # groups written at completion: born 1955, 71 in 2026 -> senior
    by_year = {
        c["people"][i.application_id].birth_year: i.groups for i in invitations
    }  # fmt: skip
    assert by_year == {1955: ["senior"], 1990: []}
    assert {i.programme_id for i in invitations} == {c["offer"].programme_id}
    assert all(i.course_start == c["sessions"][0].date for i in invitations)
    # completion runs again (and the backfill): nobody is invited twice
    again = attendance_services.completion_run(offer_id=c["offer"].pk, now=c["after"] + HOUR)
    assert again["emitted"] == 0
    assert survey_invite_pending() == 0
    assert SurveyInvitation.objects.count() == 2
    assert OutboxMessage.objects.filter(kind="survey").count() == 2


def test_backfill_invites_completions_from_before(db, world):
    c = complete(world, 5, [{}])
    SurveyInvitation.objects.all().delete()
    OutboxMessage.objects.filter(kind="survey").delete()
    assert survey_invite_pending() == 1
    assert survey_invite_pending() == 0
    assert OutboxMessage.objects.filter(kind="survey").count() == 1
    assert SurveyInvitation.objects.get().application_id == next(iter(c["people"]))


def test_answer_once_and_refusals(db, world):
    c = complete(world, 6, [{}])
    application = next(iter(c["people"]))
    token = token_of(application)
    assert survey_get(token, now=c["at"])["state"] == "open"
    for bad in ({**ANSWERS, "venue": 0}, {**ANSWERS, "venue": 6}, {**ANSWERS, "venue": "x"},
                {**ANSWERS, "venue": None}, {k: v for k, v in ANSWERS.items() if k != "venue"},
                {**ANSWERS, "venue": "3.5"}, {**ANSWERS, "venue": -1}):  # fmt: skip
        with pytest.raises(SurveyInvalid):
            survey_respond(token=token, answers=bad, now=c["at"])
    with pytest.raises(SurveyInvalid):
        survey_respond(token=token, answers=ANSWERS, comment="가" * 1001, now=c["at"])
    assert SurveyResponse.objects.count() == 0  # nothing written by a refusal
    for forged in ("", "x" * 101, token[:-1] + ("A" if token[-1] != "A" else "B"), "../../etc"):
        with pytest.raises(SurveyUnknown):
            survey_respond(token=forged, answers=ANSWERS)
        with pytest.raises(SurveyUnknown):
            survey_get(forged)
    answers = {k: str(v) for k, v in ANSWERS.items()}
    survey_respond(token=token, answers=answers, comment="좋아요", now=c["at"])
    with pytest.raises(SurveyAlreadyAnswered):
        survey_respond(token=token, answers=ANSWERS, now=c["at"])
    assert SurveyResponse.objects.count() == 1
    assert survey_get(token)["state"] == "answered"


def test_an_expired_link_is_refused(db, world):
    c = complete(world, 7, [{}])
    token = token_of(next(iter(c["people"])))
    later = c["after"] + dt.timedelta(days=31)
    assert survey_get(token, now=later)["state"] == "expired"
    with pytest.raises(SurveyExpired):
        survey_respond(token=token, answers=ANSWERS, now=later)
    assert SurveyResponse.objects.count() == 0


def test_the_page(db, world):
    c = complete(world, 8, [{}])
    token = token_of(next(iter(c["people"])))
    open_links()
    client = Client()
    page = client.get(f"/survey/{token}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "전반적으로 만족하십니까?" in html and 'type="radio"' in html and "<legend>" in html
    assert page["Referrer-Policy"] == "no-referrer" and page["Cache-Control"] == "no-store"
    assert str(c["people"][next(iter(c["people"]))].name) not in html  # nobody is named
    bad = client.post(f"/survey/{token}", {**ANSWERS, "venue": "9"})
    assert bad.status_code == 422
    assert "1~5 중 하나를 골라 주세요" in bad.content.decode()
    assert SurveyResponse.objects.count() == 0
    done = client.post(f"/survey/{token}", {**ANSWERS, "comment": "강의가 알찼어요"})
    assert done.status_code == 200 and "감사합니다" in done.content.decode()
    again = client.post(f"/survey/{token}", ANSWERS)
    assert again.status_code == 409 and "이미 응답하셨습니다" in again.content.decode()
    assert SurveyResponse.objects.count() == 1
    assert client.get("/survey/forged-token-123").status_code == 404
    SurveyInvitation.objects.update(expires_at=c["after"])
    answered = client.get(f"/survey/{token}")  # answered and closed since: says answered
    assert answered.status_code == 200 and "이미 응답하셨습니다" in answered.content.decode()
    other = complete(world, 9, [{}])
    other_token = token_of(next(iter(other["people"])))
    SurveyInvitation.objects.filter(responded_at__isnull=True).update(expires_at=c["after"])
    assert client.get(f"/survey/{other_token}").status_code == 410


def test_results_by_programme_institution_category_and_group(db, world):
    """Two courses. Course A: a senior answers 5/4/5/3/4, a person with a disability 3 on
    everything, a third does not answer. Course B: one person, 1 on everything.
    By programme: A invited 3, responded 2, rate 2/3, overall (5+3)/2 = 4, venue (3+3)/2 = 3;
    B 1/1, overall 1. By group: senior 1/1 overall 5; disability 1/1 overall 3; none
    (the third in A and the one in B) invited 2, responded 1, overall 1."""
    a = complete(world, 10, [{"birth_year": 1950}, {"birth_year": 1980}, {"birth_year": 1985}])
    apps = list(a["people"])
    Learner.objects.filter(pk=a["people"][apps[1]].pk).update(disability=True)
    SurveyInvitation.objects.filter(application_id=apps[1]).update(groups=["disability"])
    b = complete(world, 11, [{"birth_year": 1990}])
    open_links()
    survey_respond(token=token_of(apps[0]), answers=ANSWERS, comment="좋았습니다")
    survey_respond(token=token_of(apps[1]), answers=dict.fromkeys(ANSWERS, 3))
    survey_respond(token=token_of(next(iter(b["people"]))), answers=dict.fromkeys(ANSWERS, 1))

    by_programme = {r["key"]: r for r in survey_results("programme")}
    pa, pb = a["offer"].programme_id, b["offer"].programme_id
    assert (by_programme[pa]["invited"], by_programme[pa]["responded"]) == (3, 2)
    assert by_programme[pa]["response_rate"] == pytest.approx(2 / 3)
    assert by_programme[pa]["mean_overall"] == 4.0
    assert by_programme[pa]["mean_content"] == 3.5
    assert by_programme[pa]["mean_venue"] == 3.0
    assert by_programme[pb]["mean_overall"] == 1.0 and by_programme[pb]["n"] == 1
    assert by_programme[pa]["label"]  # the title
    by_group = {r["key"]: r for r in survey_results("group")}
    assert (by_group["senior"]["invited"], by_group["senior"]["mean_overall"]) == (1, 5.0)
    assert by_group["disability"]["mean_recommend"] == 3.0
    assert (by_group["none"]["invited"], by_group["none"]["responded"]) == (2, 1)
    assert by_group["none"]["mean_overall"] == 1.0
    by_institution = survey_results("institution")
    assert sum(r["invited"] for r in by_institution) == 4
    assert by_institution[0]["label"] == "서울특별시 강남구청"
    by_category = survey_results("category")
    assert sum(r["responded"] for r in by_category) == 3
    overview = survey_overview()
    assert (overview["invited"], overview["responded"]) == (4, 3)
    assert overview["mean_overall"] == pytest.approx((5 + 3 + 1) / 3, abs=0.001)
    # filters: the year of the course's first day, the district, the institution
    year = a["sessions"][0].date.year
    assert survey_overview(Filters(year=year))["invited"] == 4
    assert survey_overview(Filters(year=year - 1))["invited"] == 0
    month = a["sessions"][0].date.month
    assert survey_overview(Filters(year=year, month=month))["invited"] >= 3
    half = 1 if month <= 6 else 2
    assert survey_overview(Filters(term=f"{year}-{half}"))["invited"] >= 3
    district = SurveyInvitation.objects.get(application_id=apps[0]).district_code
    assert district  # the Gangnam venue was located
    assert survey_overview(Filters(district_code=district))["invited"] == 4
    assert survey_overview(Filters(district_code="1111000000"))["invited"] == 0
    institution = SurveyInvitation.objects.get(application_id=apps[0]).institution_id
    assert survey_overview(Filters(institution_id=institution))["invited"] == 4
    assert survey_overview(Filters(institution_id=institution + 999))["invited"] == 0
    with pytest.raises(SurveyInvalid):
        survey_results("respondent")
    with pytest.raises(SurveyInvalid):
        survey_results("programme", Filters(term="spring"))


def test_comments_are_masked_and_anonymous(db, world):
    c = complete(world, 12, [{"name": "박지성"}, {"name": "이영표"}])
    first, second = list(c["people"])
    instructor = SurveyInvitation.objects.get(application_id=first).programme_id
    from learncity.catalog.selectors import programme_rows

    teacher = next(iter(programme_rows(ids=[instructor])))["instructor"]
    open_links()
    survey_respond(
        token=token_of(first),
        answers=ANSWERS,
        comment=f"저 박지성인데요, {teacher} 강사님 최고! 010-1234-5678 또는 park@example.com 으로"
        " 연락 주세요. 옆자리 김철수 씨도 좋아했어요. 지성이 드림",
    )
    survey_respond(token=token_of(second), answers=ANSWERS, comment="   ")
    comments = survey_comments()
    assert len(comments) == 1  # an empty comment is no comment
    text = comments[0]["comment"]
    for secret in ("박지성", teacher, "010-1234-5678", "park@example.com", "김철수", "지성이"):
        assert secret not in text, secret
    assert "최고" in text and "[전화번호·phone]" in text and "[이메일·e-mail]" in text
    assert set(comments[0]) == {"comment", "programme_id", "programme", "date"}
    stored = SurveyResponse.objects.exclude(comment="").get().comment
    assert "010-1234-5678" not in stored and "박지성" not in stored  # masked when written


def test_erasure_keeps_ratings_as_anonymous_aggregates(db, world):
    from learncity.learners.erasure import learner_erase

    c = complete(world, 13, [{"birth_year": 1950}])
    application = next(iter(c["people"]))
    learner = c["people"][application]
    open_links()
    survey_respond(token=token_of(application), answers=ANSWERS, comment="감사합니다 선생님")
    before = survey_results("group")
    done = learner_erase(learner_id=learner.pk)
    assert done["survey_invitations_unlinked"] == 1 and done["survey_comments_deleted"] == 1
    invitation = SurveyInvitation.objects.get(application_id=application)
    assert invitation.learner_id is None
    assert SurveyResponse.objects.get(invitation=invitation).comment == ""
    assert survey_results("group") == before  # the aggregates do not move
    assert survey_comments() == []
    assert learner_erase(learner_id=learner.pk)["survey_invitations_unlinked"] == 0


def test_without_contact_nothing_is_sent_and_nobody_counts_as_invited(db, world):
    c = course(world, 14)
    learner, _, application = enrol(c)
    Learner.objects.filter(pk=learner.pk).update(phone=None, email="")
    for s in c["sessions"]:
        attendance_services.attendance_mark(
            actor=world["admin"], session_id=s.id, application_id=application, status="present"
        )
    attendance_services.completion_run(offer_id=c["offer"].pk, now=c["sessions"][-1].ends_at + HOUR)
    assert SurveyInvitation.objects.get(application_id=application).channel == ""
    assert OutboxMessage.objects.filter(kind="survey").count() == 0
    assert survey_overview()["invited"] == 0


@pytest.mark.race
def test_concurrent_completions_invite_once_and_concurrent_answers_count_once(committed, world):
    """Committed data and real threads: six completion runs at once invite each person
    once; five submissions of one link at once store one answer and refuse four."""
    c = course(world, 15)
    people = [enrol(c) for _ in range(3)]
    for s in c["sessions"]:
        for _, _, application in people:
            attendance_services.attendance_mark(
                actor=world["admin"], session_id=s.id, application_id=application,
                status="present",
            )  # fmt: skip
    after = c["sessions"][-1].ends_at + HOUR
    runs = in_threads(
        6, lambda _: attendance_services.completion_run(offer_id=c["offer"].pk, now=after)
    )
    assert not [r for r in runs if isinstance(r, Exception)], runs
    assert SurveyInvitation.objects.count() == 3
    assert OutboxMessage.objects.filter(kind="survey").count() == 3
    open_links()
    token = token_of(people[0][2])
    answers = in_threads(
        5, lambda i: survey_respond(token=token, answers=dict.fromkeys(ANSWERS, 1 + i))
    )
    refused = [a for a in answers if isinstance(a, SurveyAlreadyAnswered)]
    assert len(refused) == 4, answers
    assert SurveyResponse.objects.count() == 1
