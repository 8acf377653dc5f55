"""Writes of learners: accounts with one person per account, API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets

from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from learncity.core.errors import DomainError
from learncity.learners.models import ApiToken, Consent, Learner


class AccountError(DomainError):
    code = "account_error"


class DuplicatePerson(AccountError):
    code = "duplicate_person"


_PHONE = re.compile(r"^01[016789]\d{7,8}$")


def normalise_phone(text: str) -> str:
    digits = re.sub(r"[\s\-().]", "", text or "")
    if digits.startswith("+82"):
        digits = "0" + digits[3:]
    if not _PHONE.match(digits):
        raise AccountError(
            "휴대전화 번호를 확인해 주세요 / give a Korean mobile number (010-1234-5678)"
        )
    return digits


def learner_sign_up(
    *,
    username: str,
    password: str,
    name: str,
    birth_year: int,
    phone: str,
    email: str = "",
    district_code: str = "",
    neighbourhood_code: str = "",
    disability: bool = False,
    low_income: bool = False,
    multicultural: bool = False,
    consents: tuple[str, ...] = (Consent.Purpose.SERVICE,),
) -> Learner:
    """A citizen account: one per person (the phone number is unique)."""
    problems: list[str] = []
    this_year = timezone.localdate().year
    if not 1900 <= birth_year <= this_year:
        problems.append(f"birth year must be between 1900 and {this_year}")
    if not name.strip() or len(name) > 100:
        problems.append("name is required (at most 100 characters)")
    if not re.fullmatch(r"[A-Za-z0-9_.@+-]{3,150}", username or ""):
        problems.append("user name: 3 to 150 letters, digits or _ . @ + -")
    if Consent.Purpose.SERVICE not in consents:
        problems.append("the service consent is required to create an account")
    try:
        validate_password(password)
    except ValidationError as exc:
        problems.extend(str(m) for m in exc.messages)
    number = normalise_phone(phone)
    if problems:
        raise AccountError("; ".join(problems))
    if Learner.objects.filter(phone=number).exists():
        raise DuplicatePerson(
            "이 휴대전화 번호로 가입한 계정이 이미 있습니다 / an account with this phone number"
            " already exists: sign in or reset the password"
        )
    try:
        with transaction.atomic():
            user = User.objects.create_user(username, email=email, password=password)
            learner = Learner.objects.create(
                user=user,
                name=name.strip(),
                birth_year=birth_year,
                phone=number,
                email=email,
                district_code=district_code,
                neighbourhood_code=neighbourhood_code,
                disability=disability,
                low_income=low_income,
                multicultural=multicultural,
            )
            for purpose in consents:
                Consent.objects.create(learner=learner, purpose=purpose)
    except IntegrityError:
        raise DuplicatePerson(
            "이미 있는 사용자 이름이나 휴대전화 번호입니다 / the user name or phone number is taken"
        ) from None
    return learner


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def api_token_create(user_id: int, label: str = "") -> str:
    """A new token for the user, returned once (only its digest is stored)."""
    token = "lc_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(user_id=user_id, digest=_digest(token), label=label[:100])
    return token


def api_token_user(token: str) -> tuple[int, int | None] | None:
    """(user id, learner id or None) of a live token, or None: one query per request."""
    if not token or len(token) > 200:
        return None
    found: tuple[int, int | None] | None = (
        ApiToken.objects.filter(digest=_digest(token), revoked_at__isnull=True)
        .values_list("user_id", "user__learner__id")
        .first()
    )
    return found
