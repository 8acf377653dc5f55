"""Writes of learners: accounts with one person per account, sign-in lockout, password
reset links through the outbox, API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy

from learncity.algorithms.access_policy import NEVER, rules_of
from learncity.core import sql
from learncity.core.errors import DomainError
from learncity.learners.access import Actor, Scope, require, roles_of
from learncity.learners.eligibility import eligibility_sync
from learncity.learners.models import (
    API_TOKEN_DAYS,
    API_TOKEN_DAYS_MAX,
    ApiToken,
    Consent,
    Learner,
    LoginThrottle,
    PasswordResetLink,
    PersonalDataAccess,
    StaffRole,
)


class AccountError(DomainError):
    code = "account_error"


class DuplicatePerson(AccountError):
    code = "duplicate_person"


class UnknownLanguage(AccountError):
    code = "unknown_language"


class NoLearnerProfile(AccountError):
    code = "no_learner_profile"
    http_status = 404


class Forbidden(AccountError):
    code = "forbidden"
    http_status = 403


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
    language: str = Learner.Language.KOREAN,
) -> Learner:
    """A citizen account: one per person (the phone number is unique). `language`: of the
    person's messages, the sign-up page's (`message_language_of_page`). What the person
    declares (birth year, district, groups) becomes declared eligibility claims that
    staff verify (learners.eligibility); a disability is kept only with the separate
    consent for sensitive information (Consent.Purpose.SENSITIVE, PIPA art. 23)."""
    disability = disability and Consent.Purpose.SENSITIVE in consents
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
    if language not in Learner.Language.values:
        problems.append(f"language must be one of {', '.join(Learner.Language.values)}")
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
                language=language,
            )
            for purpose in consents:
                Consent.objects.create(learner=learner, purpose=purpose)
            eligibility_sync(learner_id=learner.pk)
    except IntegrityError:
        raise DuplicatePerson(gettext("이미 있는 사용자 이름이나 휴대전화 번호입니다")) from None
    return learner


# ------------------------------------------------------------------ language of messages


def message_language_of_page(page_language: str | None) -> str:
    """The message language of someone using a page in `page_language` (Django's
    `get_language()`: "en", "en-us" -> "en"); Korean for any other."""
    code = (page_language or "").split("-")[0].lower()
    return code if code in Learner.Language.values else Learner.Language.KOREAN.value


def learner_language_set(*, actor: Actor, language: str) -> str:
    """Set the language of the actor's own SMS and e-mail messages ("ko" or "en"; the
    account page's `learners.message_language_set`). Returns the language set. Switching a
    page's language changes nothing here."""
    require(
        actor,
        "learners.message_language_set",
        Scope(own=True),
        refusal=Forbidden(gettext("알림 받을 언어를 바꿀 수 없습니다")),
    )
    if language not in Learner.Language.values:
        raise UnknownLanguage(
            gettext("알림 받을 언어는 한국어나 English 가운데 하나를 골라 주세요"),
            details={"choices": list(Learner.Language.values)},
        )
    with transaction.atomic():
        changed = Learner.objects.filter(user_id=actor.user_id).update(
            language=language, updated_at=timezone.now()
        )
    if not changed:
        raise NoLearnerProfile(gettext("이 계정에는 학습자 정보가 없어 알림을 받지 않습니다"))
    return language


# ------------------------------------------------------------------ attempt counters


@dataclass(frozen=True)
class Counted:
    """An attempt counted against a LoginThrottle row: `refused` when the row was locked
    already (the attempt was not counted); `locked_until` the end of the lock after it."""

    refused: bool
    locked_until: dt.datetime | None


@dataclass(frozen=True)
class Limit:
    """`attempts` in a fixed `window`: the last of them locks the counter for `lockout`."""

    attempts: int
    window: dt.timedelta
    lockout: dt.timedelta


def _count(*, kind: str, address: str, key: str, limit: Limit, now: dt.datetime) -> Counted:
    """Count one attempt against the (kind, address, key) counter. Call inside a
    transaction: the row is locked while it is counted, so concurrent attempts on several
    workers are all counted (rows are taken in one order: the address's, then the name's
    or the account's)."""
    where = {"kind": kind, "address": address[:64], "key": key[:150]}
    LoginThrottle.objects.get_or_create(**where, defaults={"window_started_at": now})
    row = LoginThrottle.objects.select_for_update().get(**where)
    if row.locked_until is not None and row.locked_until > now:
        return Counted(refused=True, locked_until=row.locked_until)
    if row.window_started_at <= now - limit.window:
        row.failures, row.window_started_at = 0, now
    row.failures += 1
    row.locked_until = None
    if row.failures >= limit.attempts:
        row.failures, row.window_started_at = 0, now
        row.locked_until = now + limit.lockout
    row.save()
    return Counted(refused=False, locked_until=row.locked_until)


# ------------------------------------------------------------------ sign-in lockout


def _minutes(name: str) -> dt.timedelta:
    return dt.timedelta(minutes=int(getattr(settings, name)))


def lockout_window() -> dt.timedelta:
    """Failures older than this are forgotten (LEARNCITY_LOGIN_WINDOW)."""
    return _minutes("LEARNCITY_LOGIN_WINDOW")


def lockout_duration() -> dt.timedelta:
    """How long a name at an address, or a whole address, is refused (LEARNCITY_LOGIN_LOCKOUT)."""
    return _minutes("LEARNCITY_LOGIN_LOCKOUT")


@dataclass(frozen=True)
class SignInLock:
    """Sign-in refused from an address until `until`: for one user name there, or for every
    name (`whole_address`: many names failed from it, password spraying)."""

    until: dt.datetime
    whole_address: bool


def _throttle_key(username: str) -> str:
    return (username or "").strip().lower()[:150]


def login_locked_until(
    username: str, *, address: str, now: dt.datetime | None = None
) -> SignInLock | None:
    """Whether a sign-in of `username` from `address` is refused now, and until when (the
    later of the name's lock at this address and the address's own); None: it may try."""
    now = now or timezone.now()
    rows = LoginThrottle.objects.filter(
        kind=LoginThrottle.Kind.SIGN_IN,
        address=address[:64],
        key__in=[_throttle_key(username), ""],
        locked_until__gt=now,
    ).values_list("key", "locked_until")
    locks = [SignInLock(until, whole_address=not key) for key, until in rows if until]
    return max(locks, key=lambda lock: (lock.until, lock.whole_address), default=None)


def login_failure_record(
    username: str, *, address: str, now: dt.datetime | None = None
) -> SignInLock | None:
    """Count a failed sign-in of `username` from `address`, for that name there
    (LEARNCITY_LOGIN_FAILURES) and for the address whatever the name
    (LEARNCITY_LOGIN_ADDRESS_FAILURES); returns the lock this failure (or an earlier one)
    put on either, or None. The same name from another address is not counted here."""
    now = now or timezone.now()
    key = _throttle_key(username)
    if not key:
        return None
    window, lockout = lockout_window(), lockout_duration()
    kind = LoginThrottle.Kind.SIGN_IN
    with transaction.atomic():
        whole = _count(
            kind=kind,
            address=address,
            key="",
            limit=Limit(settings.LEARNCITY_LOGIN_ADDRESS_FAILURES, window, lockout),
            now=now,
        )
        name = _count(
            kind=kind,
            address=address,
            key=key,
            limit=Limit(settings.LEARNCITY_LOGIN_FAILURES, window, lockout),
            now=now,
        )
    locks = [
        SignInLock(until, whole_address=counted is whole)
        for counted in (whole, name)
        if (until := counted.locked_until) is not None
    ]
    return max(locks, key=lambda lock: (lock.until, lock.whole_address), default=None)


def login_failures_clear(username: str, *, address: str | None = None) -> None:
    """A successful sign-in from `address` forgets the name's failures there (not the
    address's count of every name: signing in to one's own account does not reset a spray);
    a new password (address None) forgets the name's failures everywhere."""
    rows = LoginThrottle.objects.filter(
        kind=LoginThrottle.Kind.SIGN_IN, key=_throttle_key(username)
    ).exclude(key="")
    if address is not None:
        rows = rows.filter(address=address[:64])
    rows.delete()


# ------------------------------------------------------------------ password reset

# the body opens with "learncity " in every language: the city's name at delivery
# (notifications.services.branded)
RESET_LINK_TEXT = gettext_lazy(
    "learncity 비밀번호 재설정: 아래 주소에서 새 비밀번호를 정해 주세요. 요청하지 않았다면 이"
    " 메시지를 무시하세요.\n%(link)s"
)


class ResetLinkTokens(PasswordResetTokenGenerator):
    """Django's password-reset tokens (they end when the password or the last sign-in
    changes, or after PASSWORD_RESET_TIMEOUT) that also end when a newer link is issued:
    the account's PasswordResetLink nonce is part of the hashed value. An account without
    one (no link asked for) hashes as Django's default generator does, so the staff's
    set-password links (learners.staff_services.password_link) keep working."""

    def _make_hash_value(self, user: User, timestamp: int) -> str:
        nonce = (
            PasswordResetLink.objects.filter(user_id=user.pk)
            .values_list("nonce", flat=True)
            .first()
        )
        return super()._make_hash_value(user, timestamp) + (nonce or "")


reset_link_tokens = ResetLinkTokens()


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


def password_reset_window() -> dt.timedelta:
    """The window of the reset limits (LEARNCITY_PASSWORD_RESET_WINDOW)."""
    return _minutes("LEARNCITY_PASSWORD_RESET_WINDOW")


def password_reset_request(
    *,
    identifier: str,
    link: Callable[[str, str], str],
    address: str,
    now: dt.datetime | None = None,
) -> bool:
    """Queue a password-reset link for the account the identifier names: by SMS when it has
    a phone, else by e-mail. Returns whether a message was queued; the page says the same
    either way (no account enumeration, no sign of a limit). `link(uidb64, token)` builds the
    absolute address of the set-password page; `address` is the requester's.

    Every request counts against its address (LEARNCITY_PASSWORD_RESETS_PER_ADDRESS), every
    link against its account (LEARNCITY_PASSWORD_RESETS_PER_ACCOUNT), per
    LEARNCITY_PASSWORD_RESET_WINDOW; past either, nothing is sent. A new link ends the
    account's previous one (`reset_link_tokens`: one live link per account)."""
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from learncity.notifications.services import queue

    now = now or timezone.now()
    window = password_reset_window()
    per_address = Limit(settings.LEARNCITY_PASSWORD_RESETS_PER_ADDRESS, window, window)
    per_account = Limit(settings.LEARNCITY_PASSWORD_RESETS_PER_ACCOUNT, window, window)
    kind = LoginThrottle.Kind.PASSWORD_RESET
    user = _user_for(identifier)
    with transaction.atomic():
        if _count(kind=kind, address=address, key="", limit=per_address, now=now).refused:
            return False
        if user is None or not user.is_active or not user.has_usable_password():
            return False
        learner = (
            Learner.objects.filter(user=user).values_list("phone", "email", "language").first()
        )
        phone = learner[0] if learner else None
        email = (learner[1] if learner else "") or user.email
        if not phone and not email:
            return False
        if _count(kind=kind, address="", key=str(user.pk), limit=per_account, now=now).refused:
            return False
        # the account's counter row is locked: the nonce changes once per queued link
        PasswordResetLink.objects.update_or_create(
            user=user, defaults={"nonce": secrets.token_hex(16), "issued_at": now}
        )
        token = reset_link_tokens.make_token(user)
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        # a learner's own language; staff without a profile: the language of the page used
        language = learner[2] if learner else translation.get_language()
        with translation.override(language):
            subject = "[learncity] " + gettext("비밀번호 재설정")
            body = str(RESET_LINK_TEXT) % {"link": link(uid, token)}
        # the outbox erases the body once it is sent (notifications ERASED_BODY; the SMS log
        # keeps the link cut to its host: SECRET_KINDS)
        return queue(
            kind="password_reset",
            channel="sms" if phone else "email",
            recipient=phone or email,
            subject=subject,
            body=body,
            dedupe_key=f"password_reset:{user.pk}:{token}",
        )


def password_reset_complete(*, user_id: int, username: str) -> None:
    """A new password was set: the account's reset link and its sign-in failures at every
    address are forgotten (Django's tokens already end with the old password), and its API
    tokens are revoked (whoever knew the old password may have issued one)."""
    with transaction.atomic():
        PasswordResetLink.objects.filter(user_id=user_id).delete()
        login_failures_clear(username)
        api_tokens_revoke_all(user_id=user_id)


# ------------------------------------------------------------------ API tokens


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenTermsInvalid(AccountError):
    code = "token_terms"


class TokenScopeRefused(AccountError):
    code = "token_scope"
    http_status = 403


API_TOKEN_LABEL_MAX = 100
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def api_token_terms_check(*, days: int, scope: str, label: str) -> str:
    """The terms of a new token, checked (the page, the command and the code ask the same):
    1 to 365 days, a known scope, a label of at most 100 characters; returns the label
    stripped. Refused with a message in the reader's language."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= API_TOKEN_DAYS_MAX:
        raise TokenTermsInvalid(
            gettext("유효 기간은 1일에서 %(most)d일 사이로 정해 주세요")
            % {"most": API_TOKEN_DAYS_MAX},
            details={"field": "days"},
        )
    if scope not in ApiToken.Scope.values:
        raise TokenTermsInvalid(
            gettext("권한은 '읽기만'(read) 또는 '읽기와 쓰기'(write) 중에서 골라 주세요"),
            details={"field": "scope"},
        )
    label = label.strip()
    if len(label) > API_TOKEN_LABEL_MAX or any(ch < " " for ch in label):
        raise TokenTermsInvalid(
            gettext("용도는 줄바꿈 없이 %(most)d자까지 쓸 수 있습니다")
            % {"most": API_TOKEN_LABEL_MAX},
            details={"field": "label"},
        )
    return label


def api_token_insert(
    *, user_id: int, label: str, days: int, scope: str, now: dt.datetime | None = None
) -> tuple[int, str]:
    """Store a new token of the user after checking its terms (api_token_terms_check):
    (id, token), the token returned once (only its digest is kept). Called inside the
    caller's transaction (staff_services.token_issue audits it)."""
    label = api_token_terms_check(days=days, scope=scope, label=label)
    token = "lc_" + secrets.token_urlsafe(32)
    expires_at = (now or timezone.now()) + dt.timedelta(days=days)
    row = ApiToken.objects.create(
        user_id=user_id, digest=_digest(token), label=label, scope=scope, expires_at=expires_at
    )
    return row.pk, token


def api_token_create(
    user_id: int,
    label: str = "",
    *,
    days: int = API_TOKEN_DAYS,
    scope: str = ApiToken.Scope.WRITE,
) -> str:
    """A new token for the user, returned once, as the system (no audit: the page and the
    command go through staff_services.token_issue). Write scope unless told."""
    return api_token_insert(user_id=user_id, label=label, days=days, scope=scope)[1]


def api_tokens_revoke_all(*, user_id: int, now: dt.datetime | None = None) -> int:
    """Revoke every live token of the user (their password was reset): how many."""
    return ApiToken.objects.filter(user_id=user_id, revoked_at__isnull=True).update(
        revoked_at=now or timezone.now()
    )


@dataclass(frozen=True)
class TokenHolder:
    user_id: int
    learner_id: int | None
    scope: str

    def may(self, method: str) -> bool:
        """Whether the token lets its holder make a request of this HTTP method."""
        return self.scope == ApiToken.Scope.WRITE or method.upper() in READ_METHODS


_TOKEN_HOLDER = (
    f"SELECT t.user_id, l.id, t.scope FROM {ApiToken._meta.db_table} t"
    f" JOIN {User._meta.db_table} u ON u.id = t.user_id AND u.is_active"
    f" LEFT JOIN {Learner._meta.db_table} l ON l.user_id = t.user_id"
    " WHERE t.digest = %s AND t.revoked_at IS NULL AND t.expires_at > %s"
)


def api_token_holder(token: str, *, now: dt.datetime | None = None) -> TokenHolder | None:
    """Who a live token (not revoked, not expired, of an active account) acts for, and its
    scope; None otherwise: one plain query per request (every API call of registration day
    passes here)."""
    if not token or len(token) > 200:
        return None
    row = sql.one(_TOKEN_HOLDER, [_digest(token), now or timezone.now()])
    if row is None:
        return None
    return TokenHolder(int(row[0]), None if row[1] is None else int(row[1]), str(row[2]))


def api_token_user(token: str) -> tuple[int, int | None] | None:
    """(user id, learner id or None) of a live token, or None."""
    found = api_token_holder(token)
    return None if found is None else (found.user_id, found.learner_id)


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


# ------------------------------------------------------------------ personal-data access log

# Issue 19, finding 13: every read of another person's personal data by staff is recorded
# (PersonalDataAccess), the desk lookup is limited per staff member (Django's cache, the
# configured shared store), and the records are kept LEARNCITY_ACCESS_LOG_DAYS days.
DESK_LOOKUP_LIMIT = 60  # settings LEARNCITY_DESK_LOOKUP_LIMIT
DESK_LOOKUP_WINDOW = 600  # seconds; settings LEARNCITY_DESK_LOOKUP_WINDOW
ACCESS_LOG_DAYS = 730  # settings LEARNCITY_ACCESS_LOG_DAYS


class LookupLimit(AccountError):
    """Too many desk lookups by one staff member in the window: details.retry_after says in
    how many seconds it opens again."""

    code = "desk_lookup_limit"
    http_status = 429


class AccessLogTermsInvalid(AccountError):
    code = "access_log_terms_invalid"


def desk_lookup_count(*, actor: Actor) -> None:
    """Count one desk lookup of the staff member (core.ratelimit: the shared cache); past
    the limit, refuse (429) until the window turns. Call before looking anyone up."""
    from learncity.core.ratelimit import rate_limit_hit

    limit = int(getattr(settings, "LEARNCITY_DESK_LOOKUP_LIMIT", DESK_LOOKUP_LIMIT))
    window = int(getattr(settings, "LEARNCITY_DESK_LOOKUP_WINDOW", DESK_LOOKUP_WINDOW))
    wait = rate_limit_hit("desk-lookup", key=str(actor.user_id), limit=limit, window=window)
    if wait is not None:
        raise LookupLimit(
            gettext("사람 찾기를 너무 많이 했습니다. 잠시 후 다시 시도해 주세요"),
            details={"retry_after": wait},
        )


def _roles_used(actor: Actor, action: str) -> str:
    """The staff roles the actor holds that the action's row names (what allowed the read)."""
    rules = rules_of(action)
    held = {grant.role for grant in roles_of(actor).grants if rules.get(grant.role, NEVER) != NEVER}
    return ",".join(sorted(held))[:100]


def personal_data_access_record(
    *,
    actor: Actor,
    what: str,
    action: str,
    purpose: str,
    address: str,
    learner_id: int | None = None,
    query: str = "",
    matches: int = 0,
) -> PersonalDataAccess | None:
    """Record that a staff member read another person's data (`action`: the access policy's
    action that allowed it, whose roles are recorded). Ids only: never a name, a phone
    number or the value a lookup typed (`query` is its kind). A person reading their own
    data is not recorded (None). Joins the caller's transaction when there is one."""
    if what not in PersonalDataAccess.What.values:
        raise AccessLogTermsInvalid(f"what must be one of {', '.join(PersonalDataAccess.What)}")
    if (
        learner_id is not None
        and Learner.objects.filter(pk=learner_id, user_id=actor.user_id).exists()
    ):
        return None
    with transaction.atomic():
        return PersonalDataAccess.objects.create(
            staff_id=actor.user_id,
            role=_roles_used(actor, action),
            learner_id=learner_id,
            what=what,
            query=query[:30],
            matches=max(0, min(matches, 32767)),
            purpose=purpose[:200],
            address=address[:64],
        )


def access_log_days() -> int:
    return int(getattr(settings, "LEARNCITY_ACCESS_LOG_DAYS", ACCESS_LOG_DAYS))


def access_log_prune(
    *, days: int | None = None, now: dt.datetime | None = None
) -> dict[str, object]:
    """Delete the access records older than `days` (LEARNCITY_ACCESS_LOG_DAYS by default):
    the daily job. Idempotent: a second run the same day deletes nothing."""
    keep = access_log_days() if days is None else days
    if not 1 <= keep <= 36500:
        raise AccessLogTermsInvalid(gettext("보관 기간은 1일에서 36500일 사이여야 합니다"))
    before = (now or timezone.now()) - dt.timedelta(days=keep)
    with transaction.atomic():
        deleted, _by_model = PersonalDataAccess.objects.filter(at__lt=before).delete()
    return {"deleted": deleted, "days": keep, "before": before.isoformat()}
