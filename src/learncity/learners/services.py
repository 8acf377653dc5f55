"""Writes of learners: accounts with one person per account, sign-in lockout, password
reset links through the outbox, API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Callable

from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from learncity.core import sql
from learncity.core.errors import DomainError
from learncity.learners.models import ApiToken, Consent, Learner, LoginThrottle, StaffRole


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
        raise AccountError(gettext("휴대전화 번호를 확인해 주세요"))
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
        raise DuplicatePerson(gettext("이 휴대전화 번호로 가입한 계정이 이미 있습니다"))
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
        raise DuplicatePerson(gettext("이미 있는 사용자 이름이나 휴대전화 번호입니다")) from None
    return learner


# ------------------------------------------------------------------ sign-in lockout

LOCKOUT_FAILURES = 5
LOCKOUT_WINDOW = dt.timedelta(minutes=15)
LOCKOUT_DURATION = dt.timedelta(minutes=15)


def _throttle_key(username: str) -> str:
    return (username or "").strip().lower()[:150]


def login_locked_until(username: str, *, now: dt.datetime | None = None) -> dt.datetime | None:
    """When the user name may try again, or None when it is not locked."""
    now = now or timezone.now()
    until: dt.datetime | None = (
        LoginThrottle.objects.filter(key=_throttle_key(username), locked_until__gt=now)
        .values_list("locked_until", flat=True)
        .first()
    )
    return until


def login_failure_record(username: str, *, now: dt.datetime | None = None) -> dt.datetime | None:
    """Count a failed sign-in; returns the end of the lockout when this failure (or an earlier
    one) locked the name. The row is locked while it is counted, so concurrent failures on
    several workers are all counted."""
    now = now or timezone.now()
    key = _throttle_key(username)
    if not key:
        return None
    with transaction.atomic():
        LoginThrottle.objects.get_or_create(key=key, defaults={"window_started_at": now})
        row = LoginThrottle.objects.select_for_update().get(key=key)
        if row.locked_until is not None and row.locked_until > now:
            return row.locked_until
        if row.window_started_at <= now - LOCKOUT_WINDOW:
            row.failures, row.window_started_at = 0, now
        row.failures += 1
        row.locked_until = None
        if row.failures >= LOCKOUT_FAILURES:
            row.failures, row.window_started_at = 0, now
            row.locked_until = now + LOCKOUT_DURATION
        row.save()
        return row.locked_until


def login_failures_clear(username: str) -> None:
    """A successful sign-in (or a new password) forgets the failures."""
    LoginThrottle.objects.filter(key=_throttle_key(username)).delete()


# ------------------------------------------------------------------ password reset

RESET_LINK_TEXT = (
    "learncity 비밀번호 재설정: 아래 주소에서 새 비밀번호를 정해 주세요. 요청하지 않았다면 이"
    " 메시지를 무시하세요.\n{link}\n\nlearncity password reset: set a new password at the"
    " address above. If you did not ask for it, ignore this message."
)


def _user_for(identifier: str) -> User | None:
    """The account a phone number, a user name or an e-mail address names (one only)."""
    text = (identifier or "").strip()
    if not text or len(text) > 254:
        return None
    try:
        number = normalise_phone(text)
    except AccountError:
        number = ""
    if number:
        found = Learner.objects.filter(phone=number).select_related("user").first()
        if found is not None:
            return found.user
    user = User.objects.filter(username=text).first()
    if user is not None:
        return user
    if "@" in text:
        ids = set(User.objects.filter(email__iexact=text).values_list("pk", flat=True)[:2])
        ids |= set(Learner.objects.filter(email__iexact=text).values_list("user_id", flat=True)[:2])
        if len(ids) == 1:
            return User.objects.filter(pk=ids.pop()).first()
    return None


def password_reset_request(*, identifier: str, link: Callable[[str, str], str]) -> bool:
    """Queue a password-reset link (Django's PasswordResetTokenGenerator) for the account
    the identifier names: by SMS when it has a phone, else by e-mail. Returns whether a
    message was queued; the page says the same either way (no account enumeration).
    `link(uidb64, token)` builds the absolute address of the set-password page."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from learncity.notifications.services import queue

    user = _user_for(identifier)
    if user is None or not user.is_active or not user.has_usable_password():
        return False
    learner = Learner.objects.filter(user=user).values_list("phone", "email").first()
    phone = learner[0] if learner else None
    email = (learner[1] if learner else "") or user.email
    if not phone and not email:
        return False
    token = default_token_generator.make_token(user)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    with transaction.atomic():
        return queue(
            kind="password_reset",
            channel="sms" if phone else "email",
            recipient=phone or email,
            subject=gettext("[learncity] 비밀번호 재설정"),
            body=RESET_LINK_TEXT.format(link=link(uid, token)),
            dedupe_key=f"password_reset:{user.pk}:{token}",
        )


# ------------------------------------------------------------------ API tokens


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def api_token_create(user_id: int, label: str = "") -> str:
    """A new token for the user, returned once (only its digest is stored)."""
    token = "lc_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(user_id=user_id, digest=_digest(token), label=label[:100])
    return token


_TOKEN_USER = (
    f"SELECT t.user_id, l.id FROM {ApiToken._meta.db_table} t"
    f" JOIN {User._meta.db_table} u ON u.id = t.user_id AND u.is_active"
    f" LEFT JOIN {Learner._meta.db_table} l ON l.user_id = t.user_id"
    " WHERE t.digest = %s AND t.revoked_at IS NULL"
)


def api_token_user(token: str) -> tuple[int, int | None] | None:
    """(user id, learner id or None) of a live token, or None: one plain query per request
    (every API call of registration day passes here)."""
    if not token or len(token) > 200:
        return None
    row = sql.one(_TOKEN_USER, [_digest(token)])
    return None if row is None else (int(row[0]), None if row[1] is None else int(row[1]))


# ------------------------------------------------------------------ staff roles


def staff_role_grant(
    *, user_id: int, role: str, institution_id: int | None = None, district_code: str = ""
) -> None:
    """Give a user a staff role (e.g. the demo city's administrator), as the system: the
    role must be one of StaffRole's; written to the staff audit log
    (`learners.staff_services.role_grant`, which the pages and commands use)."""
    from learncity.learners.staff_services import RoleScope, UnknownRole, role_grant

    if role not in StaffRole.Role.values:
        raise UnknownRole(f"role must be one of {', '.join(StaffRole.Role.values)}")
    role_grant(
        actor=None,
        user_id=user_id,
        scope=RoleScope(role, institution_id=institution_id, district_code=district_code),
    )
