"""Writes of sign-up's phone proof: a one-time code sent by SMS before an account may claim a
mobile number (issue 19, finding 5).

`phone_code_send` counts the request against the client's address and the number (the shared
rate limiter, core.ratelimit), then queues one SMS: a 6-digit code when no account holds the
number, else a notice to the holder (someone tried to sign up with this number; how to sign in
or reset the password) and no code. The caller answers the same either way, so the page never
tells whether an account exists. One live code per number (a new one replaces the old); only
keyed hashes of the number and the code are kept; the outbox erases the body once sent and the
SMS log keeps the code masked (notifications SECRET_KINDS).

`learner_sign_up_with_code` takes the code and creates the account in one transaction, with
`phone_verified` set: a wrong, expired, used-up or missing code is refused the same way, and a
wrong one counts against the code (LEARNCITY_PHONE_CODE_TRIES wrong tries end it)."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext, gettext_lazy

from learncity.core.ratelimit import rate_limit_hit
from learncity.learners.models import Learner, PhoneCode
from learncity.learners.services import (
    AccountError,
    DuplicatePerson,
    learner_sign_up,
    normalise_phone,
)

CODE_KIND = "phone_code"  # a secret kind: the SMS log masks the code (notifications)
TAKEN_KIND = "phone_code_taken"
# the body opens with "learncity " in every language: the city's name at delivery
CODE_TEXT = gettext_lazy(
    "learncity 회원가입 인증번호: %(code)s (%(minutes)s분 안에 입력해 주세요). 요청하지"
    " 않았다면 이 메시지를 무시하세요."
)
TAKEN_TEXT = gettext_lazy(
    "learncity: 누군가 이 번호로 회원가입을 하려고 했습니다. 이 번호로 가입한 계정이 이미"
    " 있습니다. 로그인: %(login)s 비밀번호를 잊었다면: %(reset)s 본인이 한 일이 아니면 이"
    " 메시지를 무시하세요."
)


class PhoneCodeRefused(AccountError):
    """The code is not the live code of the number (wrong, expired, used, too many tries, or
    none was sent: the number is held by an account)."""

    code = "phone_code_refused"


def refusal_message() -> str:
    return gettext("인증번호가 맞지 않거나 만료되었습니다. 인증번호를 다시 받아 주세요")


def _number_key(number: str) -> str:
    return salted_hmac("learncity.phone-code.number", number, algorithm="sha256").hexdigest()


def _code_digest(number: str, code: str) -> str:
    value = f"{number}:{code}"
    return salted_hmac("learncity.phone-code.code", value, algorithm="sha256").hexdigest()


def phone_code_lifetime() -> dt.timedelta:
    return dt.timedelta(minutes=int(settings.LEARNCITY_PHONE_CODE_MINUTES))


def phone_code_send(
    *, phone: str, address: str, language: str, now: dt.datetime | None = None
) -> int | None:
    """Send a sign-up code to `phone` (or, when an account holds it, the holder's notice);
    `language`: of the code's message (the page's; the holder's notice is in the holder's
    language). Returns None when an SMS was queued, else the seconds until a limit lets the
    address or the number ask again (nothing queued): LEARNCITY_PHONE_CODES_PER_ADDRESS and
    LEARNCITY_PHONE_CODES_PER_NUMBER per LEARNCITY_PHONE_CODE_WINDOW, counted for held and
    free numbers alike."""
    from learncity.notifications.services import queue

    number = normalise_phone(phone)
    now = now or timezone.now()
    window = 60 * int(settings.LEARNCITY_PHONE_CODE_WINDOW)
    key = _number_key(number)
    for scope, who, limit in (
        ("phone-code-address", address[:64], settings.LEARNCITY_PHONE_CODES_PER_ADDRESS),
        ("phone-code-number", key, settings.LEARNCITY_PHONE_CODES_PER_NUMBER),
    ):
        wait = rate_limit_hit(scope, key=who, limit=int(limit), window=window)
        if wait is not None:
            return wait
    lifetime = phone_code_lifetime()
    with transaction.atomic():
        PhoneCode.objects.filter(expires_at__lt=now).delete()  # the dead ones, every number's
        holder = Learner.objects.filter(phone=number).values_list("language", flat=True).first()
        nonce = secrets.token_hex(8)
        if holder is not None:
            PhoneCode.objects.filter(number_key=key).delete()  # no code for a held number
            base = settings.LEARNCITY_PUBLIC_URL
            with translation.override(holder):
                body = str(TAKEN_TEXT) % {
                    "login": base + reverse("portal:login"),
                    "reset": base + reverse("portal:password_reset"),
                }
            queue(
                kind=TAKEN_KIND,
                channel="sms",
                recipient=number,
                body=body,
                dedupe_key=f"{TAKEN_KIND}:{nonce}",
            )
            return None
        code = f"{secrets.randbelow(10**6):06d}"
        PhoneCode.objects.update_or_create(
            number_key=key,
            defaults={
                "digest": _code_digest(number, code),
                "issued_at": now,
                "expires_at": now + lifetime,
                "failures": 0,
            },
        )
        with translation.override(language):
            minutes = int(lifetime.total_seconds() // 60)
            body = str(CODE_TEXT) % {"code": code, "minutes": minutes}
        # the outbox erases the body once sent; the SMS log masks the code (SECRET_KINDS)
        queue(
            kind=CODE_KIND,
            channel="sms",
            recipient=number,
            body=body,
            dedupe_key=f"{CODE_KIND}:{nonce}",
        )
    return None


def _code_take(number: str, code: str, now: dt.datetime) -> bool:
    """Whether `code` is the number's live code; the right one is used up (deleted), a wrong
    one counted. Call inside a transaction: the code's row is locked while it is checked, so
    two requests never both use it and every wrong try is counted."""
    row = PhoneCode.objects.select_for_update().filter(number_key=_number_key(number)).first()
    if row is None:
        return False
    if row.expires_at <= now or row.failures >= int(settings.LEARNCITY_PHONE_CODE_TRIES):
        row.delete()
        return False
    if not constant_time_compare(row.digest, _code_digest(number, code.strip())):
        row.failures += 1
        row.save(update_fields=["failures"])
        return False
    # used once: of two requests with the code (a database without row locks), one deletes it
    taken, _ = PhoneCode.objects.filter(pk=row.pk, digest=row.digest).delete()
    return bool(taken)


def learner_sign_up_with_code(
    *, code: str, now: dt.datetime | None = None, **arguments: Any
) -> Learner:
    """learners.services.learner_sign_up (`arguments`) once `code` proves the phone number:
    the account's number is then verified. PhoneCodeRefused otherwise, nothing created (a
    number held by an account has no code: refused alike). An error of the other arguments
    keeps the code for the next try."""
    number = normalise_phone(arguments.get("phone") or "")
    now = now or timezone.now()
    refused = False
    with transaction.atomic():
        if not _code_take(number, code or "", now):
            refused = True  # the counted try is kept (the transaction commits)
        elif Learner.objects.filter(phone=number).exists():
            refused = True  # claimed since the code was sent (the code is used up)
        else:
            try:
                with transaction.atomic():
                    learner = learner_sign_up(**arguments)
                    Learner.objects.filter(pk=learner.pk).update(phone_verified=True)
                    learner.phone_verified = True
            except DuplicatePerson:
                # a race on the user name or the number: the code stays used
                if not Learner.objects.filter(phone=number).exists():
                    raise AccountError(gettext("이미 쓰이는 아이디입니다")) from None
                refused = True
    if refused:
        raise PhoneCodeRefused(refusal_message())
    return learner
