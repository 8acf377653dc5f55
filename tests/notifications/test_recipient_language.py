"""SMS and e-mail in the recipient's language (issue 18, item 4): a learner's `language` is
the sign-up page's, changed only on the account page, and every message queued to a learner
(application, promotion, lottery result, check-in code, reminder, password reset, survey) is
composed in it, whatever the language of the page or command that caused it. Course titles
are data (Korean here); everything else of an English message is English."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from learncity.attendance import services as attendance
from learncity.attendance.models import CheckinToken
from learncity.enrollment import services as enrolment
from learncity.enrollment.models import Application, Offer
from learncity.learners.erasure import learner_erase
from learncity.learners.models import Learner
from learncity.learners.selectors import learner_export, message_language
from learncity.learners.services import message_language_of_page
from learncity.notifications.models import OutboxMessage
from tests.attendance.factories import course, enrol
from tests.enrollment.factories import CLOSE, NOW, apply, confirmed, offer
from tests.learners.factories import PASSWORD, citizen, sign_up_code

HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")
HOUR = dt.timedelta(hours=1)
LANGUAGE_COOKIE = "learncity_language"


def english(msgid: str) -> str:
    """The catalogue's English of a Korean msgid (and proof that it has one)."""
    with translation.override("en"):
        found = gettext(msgid)
    assert found != msgid and not HANGUL.search(found), msgid
    return found


def assert_english(message: OutboxMessage, *, data: tuple[str, ...] = ()) -> None:
    """Subject and body without Hangul once the data (course titles, rooms) is taken out;
    the subject keeps the software's prefix (the city's name at delivery)."""
    assert message.subject.startswith("[learncity] "), message.subject
    text = f"{message.subject}\n{message.body}"
    for value in data:
        text = text.replace(value, "")
    assert not HANGUL.search(text), text


def messages_to(learner: Learner, kind: str) -> list[OutboxMessage]:
    return list(
        OutboxMessage.objects.filter(kind=kind, recipient=learner.phone or learner.email).order_by(
            "id"
        )
    )


def sign_up(client: Client, username: str, phone: str, path: str = "/accounts/signup") -> Learner:
    code = sign_up_code(client, phone)
    answer = client.post(
        path,
        {
            "code": code,
            "username": username,
            "password1": PASSWORD,
            "password2": PASSWORD,
            "name": "한시민",
            "birth_year": "1980",
            "phone": phone,
            "consent_service": "on",
        },
    )
    assert answer.status_code == 302, answer.content[:500]
    return Learner.objects.get(user__username=username)


# ------------------------------------------------------------------ the learner's language


def test_the_page_language_of_sign_up_is_the_language_of_messages(db: None) -> None:
    in_english = Client()
    in_english.cookies[LANGUAGE_COOKIE] = "en"
    assert sign_up(in_english, "lang.english", "010-7100-0001").language == "en"
    in_korean = Client()
    assert sign_up(in_korean, "lang.korean", "010-7100-0002").language == "ko"
    chosen = sign_up(Client(), "lang.chosen", "010-7100-0004", "/accounts/signup?lang=en")
    assert chosen.language == "en"
    # pages ignore the browser's header (Korean first): the page, and so the messages, Korean
    by_header = Client(HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert sign_up(by_header, "lang.header", "010-7100-0003").language == "ko"


def test_message_language_of_page_and_the_selector() -> None:
    assert [message_language_of_page(code) for code in ("en", "en-us", "EN", "ko", "fr", "")] == [
        "en",
        "en",
        "en",
        "ko",
        "ko",
        "ko",
    ]
    assert message_language_of_page(None) == "ko"


def test_the_selector_the_export_and_erasure(db: None) -> None:
    learner, _ = citizen(language="en")
    assert message_language(learner.pk) == "en"
    assert message_language(2**62) == "ko"  # nobody: the city's language
    exported = learner_export(learner.pk)
    assert exported is not None and exported["profile"]["language"] == "en"
    learner_erase(learner_id=learner.pk)
    assert Learner.objects.get(pk=learner.pk).language == "ko"


def test_the_database_refuses_an_unknown_language(db: None) -> None:
    from django.db import IntegrityError, transaction

    learner, _ = citizen()
    with pytest.raises(IntegrityError), transaction.atomic():
        Learner.objects.filter(pk=learner.pk).update(language="fr")
    assert Learner.objects.get(pk=learner.pk).language == "ko"


# ------------------------------------------------------------------ enrolment's messages


def test_application_messages_in_each_learners_language(db: None, world: Mapping[str, Any]) -> None:
    o = offer(world, 21, capacity=1, accept_hours=24)
    title = o.programme.display_title or o.programme.title
    first, first_actor = citizen(language="en")
    second, second_actor = citizen(language="en")
    third, third_actor = citizen()
    a = apply(first, first_actor, o)
    apply(second, second_actor, o)
    apply(third, third_actor, o)

    [confirmation] = messages_to(first, "confirmed")
    assert confirmation.subject == "[learncity] " + english("수강 확정")
    assert "your place is confirmed" in confirmation.body and "/checkin/LC" in confirmation.body
    assert_english(confirmation, data=(title,))
    [waiting] = messages_to(second, "waitlisted")
    assert waiting.subject == "[learncity] " + english("대기 등록")
    assert_english(waiting, data=(title,))
    [korean] = messages_to(third, "waitlisted")
    assert korean.subject == "[learncity] 대기 등록" and "대기자로 등록되었습니다" in korean.body

    # the freed place goes to the second, in English; accepting it sends the check-in code
    enrolment.cancel(actor=first_actor, application_id=a.application_id, now=NOW)
    [promoted] = messages_to(second, "promoted")
    assert promoted.subject == "[learncity] " + english("추가 합격")
    assert "2026-04-21 19:00" in promoted.body  # 24 hours to accept, in Korean time
    assert_english(promoted, data=(title,))
    application = Application.objects.get(offer=o, learner=second)
    enrolment.accept(actor=second_actor, application_id=application.pk, now=NOW)
    [code] = messages_to(second, "checkin_code")
    assert code.subject == "[learncity] " + english("출석 QR 코드") == "[learncity] Check-in code"
    assert "/checkin/LC" in code.body
    assert_english(code, data=(title,))


def test_lottery_results_in_each_learners_language(db: None, world: Mapping[str, Any]) -> None:
    o = offer(world, 22, capacity=1, method=Offer.Method.LOTTERY)
    title = o.programme.display_title or o.programme.title
    people = [citizen(language="en"), citizen(language="en"), citizen()]
    for learner, actor in people:
        assert apply(learner, actor, o).status == "pending"
    with translation.override("ko"):  # the officer's page is Korean
        enrolment.lottery_draw(
            actor=world["city_admin"], offer_id=o.pk, seed="fixed", now=CLOSE + HOUR
        )
    results: dict[str, list[OutboxMessage]] = {"en": [], "ko": []}
    for learner, _ in people:
        [drawn] = messages_to(learner, "drawn")
        results[learner.language].append(drawn)
    for drawn in results["en"]:
        assert drawn.subject == "[learncity] " + english("추첨 결과")
        assert_english(drawn, data=(title,))
    [korean] = results["ko"]
    assert korean.subject == "[learncity] 추첨 결과" and "추첨 결과" in korean.body


# ------------------------------------------------------------------ attendance's messages


def test_reminder_in_each_learners_language(db: None, world: Mapping[str, Any]) -> None:
    c = course(world, 6)
    session = c["sessions"][1]
    english_learner, _, _ = enrol(c, language="en")
    korean_learner, _, _ = enrol(c)
    kst = dt.timezone(dt.timedelta(hours=9))
    eve = dt.datetime.combine(session.date - dt.timedelta(days=1), dt.time(9, 0), kst)
    with translation.override("ko"):  # the command runs in the city's language
        assert attendance.reminders_queue(now=eve)["queued"] == 2
    [in_english] = messages_to(english_learner, "session_reminder")
    assert in_english.subject == "[learncity] " + english("내일 수업")
    assert "class tomorrow" in in_english.body.lower()
    assert session.title in in_english.body
    assert_english(in_english, data=(session.title, session.room))
    [in_korean] = messages_to(korean_learner, "session_reminder")
    assert in_korean.subject == "[learncity] 내일 수업"
    assert "수업이 있습니다" in in_korean.body


def test_checkin_code_in_each_learners_language(db: None, world: Mapping[str, Any]) -> None:
    o = offer(world, 23, capacity=5)
    title = o.programme.display_title or o.programme.title
    english_learner, _, english_application = confirmed(o, language="en")
    korean_learner, _, korean_application = confirmed(o)
    with translation.override("en"):  # a page in English re-sends the Korean learner's code
        CheckinToken.objects.filter(application_id=korean_application).update(revoked_at=NOW)
        assert attendance.checkin_code_send(application_id=korean_application)
    with translation.override("ko"):
        CheckinToken.objects.filter(application_id=english_application).update(revoked_at=NOW)
        assert attendance.checkin_code_send(application_id=english_application)
    [in_english] = messages_to(english_learner, "checkin_code")
    assert in_english.subject == "[learncity] Check-in code"
    assert_english(in_english, data=(title,))
    [in_korean] = messages_to(korean_learner, "checkin_code")
    assert in_korean.subject == "[learncity] 출석 QR 코드"
    assert "출석할 때 이 QR 코드를 보여 주세요" in in_korean.body


# ------------------------------------------------------------------ learners' messages


def test_password_reset_in_the_learners_language_not_the_pages(db: None) -> None:
    english_learner, _ = citizen(language="en")
    korean_learner, _ = citizen()
    korean_page, english_page = Client(), Client()
    english_page.cookies[LANGUAGE_COOKIE] = "en"
    korean_page.post("/accounts/password-reset", {"identifier": english_learner.phone})
    english_page.post("/accounts/password-reset", {"identifier": korean_learner.phone})
    [in_english] = messages_to(english_learner, "password_reset")
    assert in_english.subject == "[learncity] " + english("비밀번호 재설정")
    assert in_english.body.startswith("learncity password reset")  # the city's name at delivery
    assert "/accounts/reset/" in in_english.body
    assert_english(in_english)
    [in_korean] = messages_to(korean_learner, "password_reset")
    assert in_korean.subject == "[learncity] 비밀번호 재설정"
    assert in_korean.body.startswith("learncity 비밀번호 재설정")
    assert "password" not in in_korean.body


# ------------------------------------------------------------------ the survey


def test_survey_invitation_in_the_learners_language(db: None, world: Mapping[str, Any]) -> None:
    c = course(world, 7)
    people = {}
    for language in ("en", "ko"):
        learner, _, application = enrol(c, language=language)
        people[language] = learner
        for s in c["sessions"]:
            attendance.attendance_mark(
                actor=world["admin"], session_id=s.id, application_id=application, status="present"
            )
    with translation.override("ko"):
        run = attendance.completion_run(
            offer_id=c["offer"].pk, now=c["sessions"][-1].ends_at + HOUR
        )
    assert run["emitted"] == 2
    title = c["offer"].programme.display_title or c["offer"].programme.title
    [in_english] = messages_to(people["en"], "survey")
    assert in_english.subject == "[learncity] " + english("수료를 축하합니다")
    assert "/survey/" in in_english.body
    assert_english(in_english, data=(title,))
    [in_korean] = messages_to(people["ko"], "survey")
    assert in_korean.subject == "[learncity] 수료를 축하합니다" and "만족도" in in_korean.body


# ------------------------------------------------------------------ the account page


def test_the_account_page_changes_the_language_of_the_next_message(db: None) -> None:
    learner, _ = citizen()
    client = Client()
    client.force_login(learner.user)
    page = client.get("/me/account")
    assert page.status_code == 200
    body = page.content.decode()
    assert "알림 받을 언어" in body and re.search(r'value="ko"[^>]*checked', body)
    answer = client.post("/me/account/language", {"language": "en"})
    assert answer.status_code == 302 and answer["Location"] == "/me/account"
    assert Learner.objects.get(pk=learner.pk).language == "en"
    assert re.search(r'value="en"[^>]*checked', client.get("/me/account").content.decode())
    client.post("/accounts/password-reset", {"identifier": learner.phone})
    [reset] = messages_to(learner, "password_reset")
    assert_english(reset)
    # and back
    assert client.post("/me/account/language", {"language": "ko"}).status_code == 302
    assert Learner.objects.get(pk=learner.pk).language == "ko"


@pytest.mark.parametrize("value", ["fr", "", "e" * 5000, "<script>alert(1)</script>", "EN", None])
def test_a_hostile_language_is_refused_and_changes_nothing(db: None, value: str | None) -> None:
    learner, _ = citizen(language="en")
    client = Client()
    client.force_login(learner.user)
    answer = client.post("/me/account/language", {} if value is None else {"language": value})
    assert answer.status_code == 400
    body = answer.content.decode()
    assert "알림 받을 언어는 한국어나 English 가운데 하나를 골라 주세요" in body
    assert "<script>alert" not in body
    assert Learner.objects.get(pk=learner.pk).language == "en"


def test_the_refusal_is_in_the_pages_language(db: None) -> None:
    learner, _ = citizen()
    client = Client()
    client.cookies[LANGUAGE_COOKIE] = "en"
    client.force_login(learner.user)
    answer = client.post("/me/account/language", {"language": "fr"})
    assert answer.status_code == 400
    refusal = english("알림 받을 언어는 한국어나 English 가운데 하나를 골라 주세요")
    assert refusal in answer.content.decode()


def test_the_language_menu_of_the_page_does_not_change_it(db: None) -> None:
    learner, _ = citizen()
    client = Client()
    client.force_login(learner.user)
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302
    assert Learner.objects.get(pk=learner.pk).language == "ko"


def test_an_account_without_a_learner_profile_is_told_so(
    db: None, world: Mapping[str, Any]
) -> None:
    client = Client()
    client.force_login(world["users"]["auditor"])
    assert "알림 받을 언어" not in client.get("/me/account").content.decode()
    answer = client.post("/me/account/language", {"language": "en"})
    assert answer.status_code == 404
    assert "이 계정에는 학습자 정보가 없어 알림을 받지 않습니다" in answer.content.decode()


def test_anonymous_is_sent_to_sign_in(db: None) -> None:
    answer = Client().post("/me/account/language", {"language": "en"})
    assert answer.status_code == 302 and answer["Location"].startswith("/accounts/login")
