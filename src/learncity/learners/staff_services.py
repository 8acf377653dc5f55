"""Writes of the city office's side of learners: scoped staff roles granted and withdrawn,
one-time staff invitations sent through the outbox and accepted, API tokens issued and
revoked — every change written to the staff audit log (`StaffAudit`) with who, when and
what.

`actor` is the person acting through a page (asked against the access policy: roles are
managed by a city administrator, `learners.staff_manage`; tokens by their holder or a city
administrator, `learners.token_manage`); `actor=None` is the `learncity` command run by the
operator on the server, who is trusted and recorded as "command line"."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from learncity.core.errors import DomainError, NotFound
from learncity.learners.access import Actor, Scope, require
from learncity.learners.models import (
    API_TOKEN_DAYS,
    ApiToken,
    StaffAudit,
    StaffInvitation,
    StaffRole,
)

COMMAND_LINE = "command line"
INVITATION_LIFETIME = dt.timedelta(days=7)
# which roles are held with an institution, which with a district (the access policy's scopes)
INSTITUTION_ROLES = frozenset({StaffRole.Role.INSTRUCTOR, StaffRole.Role.INSTITUTION_STAFF})
DISTRICT_ROLES = frozenset({StaffRole.Role.DISTRICT_OFFICER})
OPTIONAL_DISTRICT_ROLES = frozenset({StaffRole.Role.COACH})


class StaffError(DomainError):
    code = "staff_error"


class UnknownRole(StaffError):
    code = "unknown_role"


class UnknownDistrict(StaffError):
    code = "unknown_district"


class UnknownInstitution(StaffError):
    code = "unknown_institution"


class ScopeMismatch(StaffError):
    code = "scope_mismatch"


class DuplicateRole(StaffError):
    code = "duplicate_role"
    http_status = 409


class UnknownUser(NotFound):
    code = "unknown_user"


class Forbidden(StaffError):
    code = "forbidden"
    http_status = 403


class InvitationNotFound(NotFound):
    code = "invitation_not_found"


class InvitationExpired(StaffError):
    code = "invitation_expired"
    http_status = 410


class InvitationUsed(StaffError):
    code = "invitation_used"
    http_status = 410


class WrongUser(StaffError):
    code = "wrong_user"
    http_status = 403


class TokenNotFound(NotFound):
    code = "token_not_found"


@dataclass(frozen=True)
class RoleScope:
    """A role with its scope, checked: the institution's id or the district's code."""

    role: str
    institution_id: int | None = None
    district_code: str = ""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _actor_label(actor: Actor | None) -> str:
    if actor is None:
        return COMMAND_LINE
    return User.objects.filter(pk=actor.user_id).values_list("username", flat=True).first() or ""


def _audit(
    *,
    actor: Actor | None,
    change: str,
    subject_id: int | None = None,
    subject_label: str = "",
    scope: RoleScope | None = None,
    detail: str = "",
) -> None:
    StaffAudit.objects.create(
        actor_id=None if actor is None else actor.user_id,
        actor_label=_actor_label(actor)[:150],
        change=change,
        subject_id=subject_id,
        subject_label=subject_label[:254],
        role=scope.role if scope else "",
        institution_id=scope.institution_id if scope else None,
        district_code=scope.district_code if scope else "",
        detail=detail[:200],
    )


def _manage(actor: Actor | None) -> None:
    if actor is not None:
        require(
            actor,
            "learners.staff_manage",
            refusal=Forbidden(_("직원과 역할은 시 관리자만 관리할 수 있습니다")),
        )


# ------------------------------------------------------------------ roles and scopes


def district_resolve(text: str) -> str:
    """The code of a 시·군·구 given by its 10-digit code or its name ("강남구", "서울특별시
    강남구"); UnknownDistrict when none, or several, match."""
    from learncity.regions.selectors import region_refs

    wanted = " ".join((text or "").split())
    if not wanted:
        raise UnknownDistrict(_("시·군·구를 입력해 주세요"))
    districts = [ref for ref in region_refs() if ref.level == "district"]
    found = [ref for ref in districts if wanted in (ref.code, ref.full_name)]
    if not found:
        found = [ref for ref in districts if ref.name == wanted]
    if len(found) != 1:
        if len(found) > 1:
            names = ", ".join(sorted(f"{ref.full_name} ({ref.code})" for ref in found)[:5])
            raise UnknownDistrict(
                _("같은 이름의 시·군·구가 여럿입니다. 코드나 전체 이름으로 적어 주세요: %(names)s")
                % {"names": names}
            )
        raise UnknownDistrict(_("그런 시·군·구가 없습니다: %(text)s") % {"text": wanted[:60]})
    return found[0].code


def institution_resolve(text: str | int) -> int:
    """The id of an institution given by its number or its exact name."""
    from learncity.catalog.selectors import institution_brief, institution_ids_named

    wanted = " ".join(str(text or "").split())
    if wanted.isdecimal() and len(wanted) < 19 and institution_brief(int(wanted)) is not None:
        return int(wanted)
    found = institution_ids_named(wanted) if wanted else []
    if len(found) > 1:
        raise UnknownInstitution(
            _("같은 이름의 기관이 여럿입니다. 기관 번호로 적어 주세요: %(ids)s")
            % {"ids": ", ".join(str(i) for i in found[:5])}
        )
    if not found:
        raise UnknownInstitution(_("그런 기관이 없습니다: %(text)s") % {"text": wanted[:60]})
    return found[0]


def role_scope(*, role: str, institution: str | int | None = None, district: str = "") -> RoleScope:
    """Check a role and its scope: an instructor or institution staff needs an institution,
    a district officer a district, a city administrator and an auditor neither, a coach
    may have a district."""
    if role not in StaffRole.Role.values:
        raise UnknownRole(
            _("역할은 다음 중 하나여야 합니다: %(roles)s")
            % {"roles": ", ".join(StaffRole.Role.values)}
        )
    has_institution = institution not in (None, "")
    has_district = bool((district or "").strip())
    if role in INSTITUTION_ROLES:
        if not has_institution or has_district:
            raise ScopeMismatch(_("이 역할에는 기관 하나가 필요합니다 (시·군·구는 아님)"))
        return RoleScope(role, institution_id=institution_resolve(institution or ""))
    if role in DISTRICT_ROLES:
        if not has_district or has_institution:
            raise ScopeMismatch(_("이 역할에는 시·군·구 하나가 필요합니다 (기관은 아님)"))
        return RoleScope(role, district_code=district_resolve(district))
    if has_institution or (has_district and role not in OPTIONAL_DISTRICT_ROLES):
        raise ScopeMismatch(_("이 역할은 시 전체에 대한 것이라 기관이나 시·군·구를 받지 않습니다"))
    return RoleScope(role, district_code=district_resolve(district) if has_district else "")


def user_id_of(username: str) -> int:
    wanted = (username or "").strip()
    # no user name holds a NUL or is longer than 150 (PostgreSQL refuses NUL in a query: 500)
    usable = "\x00" not in wanted and len(wanted) <= 150
    found: int | None = (
        User.objects.filter(username=wanted).values_list("pk", flat=True).first()
        if usable
        else None
    )
    if found is None:
        raise UnknownUser(
            _("그런 사용자가 없습니다: %(name)s") % {"name": wanted[:60].replace("\x00", "")}
        )
    return found


def _held(user_id: int, scope: RoleScope) -> bool:
    held = StaffRole.objects.filter(
        user_id=user_id, role=scope.role, district_code=scope.district_code
    )
    if scope.institution_id is None:
        return held.filter(institution__isnull=True).exists()
    return held.filter(institution_id=scope.institution_id).exists()


def role_grant(
    *, actor: Actor | None, user_id: int, scope: RoleScope, detail: str = ""
) -> StaffRole:
    """Give a user one scoped role (DuplicateRole when they hold it already), audited."""
    _manage(actor)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id).first()
        if user is None:
            raise UnknownUser(_("그런 사용자가 없습니다"))
        if _held(user_id, scope):
            raise DuplicateRole(_("이미 이 역할을 가지고 있습니다"))
        granted = StaffRole.objects.create(
            user_id=user_id,
            role=scope.role,
            institution_id=scope.institution_id,
            district_code=scope.district_code,
        )
        _audit(
            actor=actor,
            change=StaffAudit.Change.ROLE_GRANTED,
            subject_id=user_id,
            subject_label=user.username,
            scope=scope,
            detail=detail,
        )
    return granted


def role_withdraw(*, actor: Actor | None, role_id: int) -> None:
    """Withdraw one role a user holds, audited. A city administrator cannot withdraw the
    last city administrator's role (the city would have nobody to let staff in)."""
    _manage(actor)
    with transaction.atomic():
        found = StaffRole.objects.select_for_update().filter(pk=role_id).first()
        if found is None:
            raise NotFound(_("그런 역할이 없습니다"))
        if (
            found.role == StaffRole.Role.CITY_ADMIN
            and actor is not None
            and not StaffRole.objects.filter(role=StaffRole.Role.CITY_ADMIN)
            .exclude(pk=found.pk)
            .exists()
        ):
            raise StaffError(_("마지막 시 관리자의 역할은 회수할 수 없습니다"))
        scope = RoleScope(found.role, found.institution_id, found.district_code)
        username = User.objects.filter(pk=found.user_id).values_list("username", flat=True).first()
        found.delete()
        _audit(
            actor=actor,
            change=StaffAudit.Change.ROLE_WITHDRAWN,
            subject_id=found.user_id,
            subject_label=username or "",
            scope=scope,
        )


def role_withdraw_matching(*, actor: Actor | None, user_id: int, scope: RoleScope) -> int:
    """Withdraw the user's roles of this kind (and of this scope, when it names one);
    returns how many were withdrawn (the `learncity staff remove` command)."""
    found = StaffRole.objects.filter(user_id=user_id, role=scope.role)
    if scope.institution_id is not None:
        found = found.filter(institution_id=scope.institution_id)
    if scope.district_code:
        found = found.filter(district_code=scope.district_code)
    ids = list(found.values_list("pk", flat=True))
    for pk in ids:
        role_withdraw(actor=actor, role_id=pk)
    return len(ids)


def staff_account_create(*, username: str, email: str = "", password: str | None = None) -> User:
    """An account for a staff member (no learner profile: staff need not be citizens of the
    service). Without a password the account cannot sign in until one is set through a
    one-time link (`password_link`)."""
    name = (username or "").strip()
    if not name or len(name) > 150 or not all(c.isalnum() or c in "_.@+-" for c in name):
        raise StaffError(_("사용자 이름은 3~150자의 영문, 숫자, _ . @ + - 로 적어 주세요"))
    if len(name) < 3:
        raise StaffError(_("사용자 이름은 3~150자의 영문, 숫자, _ . @ + - 로 적어 주세요"))
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise StaffError(_("전자우편 주소를 확인해 주세요")) from None
    if password is not None:
        user_for_check = User(username=name, email=email)
        try:
            validate_password(password, user_for_check)
        except ValidationError as exc:
            raise StaffError("; ".join(str(m) for m in exc.messages)) from None
    try:
        with transaction.atomic():
            user = User.objects.create_user(name, email=email, password=password)
            if password is None:
                user.set_unusable_password()
                user.save(update_fields=["password"])
    except IntegrityError:
        raise StaffError(_("이미 있는 사용자 이름입니다")) from None
    return user


def password_link(user_id: int) -> str:
    """A one-time link to set the account's password (Django's password-reset token: it
    stops working once the password is set, or after PASSWORD_RESET_TIMEOUT)."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = User.objects.get(pk=user_id)
    token = default_token_generator.make_token(user)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return f"{settings.LEARNCITY_PUBLIC_URL}/accounts/reset/{uid}/{token}"


# ------------------------------------------------------------------ invitations


def invitation_link(token: str) -> str:
    return f"{settings.LEARNCITY_PUBLIC_URL}/accounts/invitation/{token}"


def staff_invite(
    *,
    actor: Actor | None,
    email: str,
    scope: RoleScope,
    username: str = "",
    link: Callable[[str], str] | None = None,
) -> tuple[StaffInvitation, str]:
    """Invite a person as staff with one scoped role: a one-time link (valid
    INVITATION_LIFETIME) queued in the outbox to `email`. With `username` the invitation
    is for that existing account only. `link(token)` builds the absolute address of the
    invitation's page (a page passes the request's own; default: LEARNCITY_PUBLIC_URL).
    Returns the invitation and its link (shown to the inviter, never stored)."""
    from learncity.notifications.services import queue

    _manage(actor)
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise StaffError(_("전자우편 주소를 확인해 주세요")) from None
    user_id = user_id_of(username) if username.strip() else None
    if user_id is not None and _held(user_id, scope):
        raise DuplicateRole(_("이미 이 역할을 가지고 있습니다"))
    token = secrets.token_urlsafe(32)
    address = (link or invitation_link)(token)
    days = INVITATION_LIFETIME.days
    role_label = str(StaffRole.Role(scope.role).label)
    with transaction.atomic():
        invitation = StaffInvitation.objects.create(
            email=email,
            user_id=user_id,
            role=scope.role,
            institution_id=scope.institution_id,
            district_code=scope.district_code,
            digest=_digest(token),
            invited_by_id=None if actor is None else actor.user_id,
            expires_at=timezone.now() + INVITATION_LIFETIME,
        )
        body = _(
            "learncity 직원으로 초대합니다 (%(role)s). 아래 주소에서 %(days)s일 안에"
            " 비밀번호를 정하고 로그인하세요. 한 번만 쓸 수 있습니다."
        ) % {"role": role_label, "days": days}
        queue(
            kind="staff_invitation",
            channel="email",
            recipient=email,
            subject=_("[learncity] 직원 초대"),
            body=f"{body}\n{address}",
            dedupe_key=f"staff_invitation:{invitation.pk}",
        )
        _audit(
            actor=actor,
            change=StaffAudit.Change.INVITED,
            subject_id=user_id,
            subject_label=email,
            scope=scope,
            detail=f"invitation {invitation.pk}",
        )
    return invitation, address


def _invitation_for_update(token: str) -> StaffInvitation:
    if not token or len(token) > 200:
        raise InvitationNotFound(_("초대를 찾을 수 없습니다"))
    found = StaffInvitation.objects.select_for_update().filter(digest=_digest(token)).first()
    if found is None or found.revoked_at is not None:
        raise InvitationNotFound(_("초대를 찾을 수 없습니다"))
    return found


def invitation_state(token: str, *, now: dt.datetime | None = None) -> StaffInvitation:
    """The invitation a link names, if it can still be accepted (the page shows its form):
    InvitationNotFound, InvitationUsed or InvitationExpired otherwise."""
    now = now or timezone.now()
    with transaction.atomic():
        found = _invitation_for_update(token)
    if found.accepted_at is not None:
        raise InvitationUsed(_("이미 사용한 초대 링크입니다"))
    if found.expires_at <= now:
        raise InvitationExpired(_("초대 링크의 기한이 지났습니다. 시 관리자에게 다시 요청하세요"))
    return found


def invitation_accept(
    *,
    token: str,
    signed_in_user_id: int | None,
    username: str = "",
    password: str = "",
    now: dt.datetime | None = None,
) -> int:
    """Accept an invitation once: the invited existing account (who must be the one signed
    in), or a new account with the user name and password given (nobody else signed in).
    Grants the role, audits, and returns the user id."""
    now = now or timezone.now()
    with transaction.atomic():
        found = _invitation_for_update(token)
        if found.accepted_at is not None:
            raise InvitationUsed(_("이미 사용한 초대 링크입니다"))
        if found.expires_at <= now:
            raise InvitationExpired(
                _("초대 링크의 기한이 지났습니다. 시 관리자에게 다시 요청하세요")
            )
        if found.user_id is not None:
            if signed_in_user_id != found.user_id:
                raise WrongUser(_("이 초대는 다른 계정을 위한 것입니다. 그 계정으로 로그인하세요"))
            user_id = found.user_id
            username = User.objects.get(pk=user_id).username
        else:
            if signed_in_user_id is not None:
                raise WrongUser(
                    _("이 초대는 새 계정을 위한 것입니다. 로그아웃한 뒤 링크를 다시 여세요")
                )
            user = staff_account_create(username=username, email=found.email, password=password)
            user_id = user.pk
        scope = RoleScope(found.role, found.institution_id, found.district_code)
        if not _held(user_id, scope):
            StaffRole.objects.create(
                user_id=user_id,
                role=scope.role,
                institution_id=scope.institution_id,
                district_code=scope.district_code,
            )
        found.accepted_at = now
        found.accepted_by_id = user_id
        found.save(update_fields=["accepted_at", "accepted_by"])
        _audit(
            actor=Actor(user_id),
            change=StaffAudit.Change.INVITATION_ACCEPTED,
            subject_id=user_id,
            subject_label=username,
            scope=scope,
            detail=f"invitation {found.pk}",
        )
    return user_id


def invitation_revoke(*, actor: Actor | None, invitation_id: int) -> None:
    _manage(actor)
    with transaction.atomic():
        found = StaffInvitation.objects.select_for_update().filter(pk=invitation_id).first()
        if found is None or found.revoked_at is not None or found.accepted_at is not None:
            raise InvitationNotFound(_("취소할 수 있는 초대가 없습니다"))
        found.revoked_at = timezone.now()
        found.save(update_fields=["revoked_at"])
        _audit(
            actor=actor,
            change=StaffAudit.Change.INVITATION_REVOKED,
            subject_id=found.user_id,
            subject_label=found.email,
            scope=RoleScope(found.role, found.institution_id, found.district_code),
            detail=f"invitation {found.pk}",
        )


# ------------------------------------------------------------------ API tokens


def token_issue(
    *,
    actor: Actor | None,
    user_id: int,
    label: str = "",
    days: int = API_TOKEN_DAYS,
    scope: str = ApiToken.Scope.READ,
) -> tuple[int, str]:
    """A new API token for the user (its holder, or a city administrator for anyone),
    audited; returns (id, token): the token is shown once, only its digest is kept. It
    lives `days` days (1 to 365) with `scope` "read" (GET only) or "write"; bad terms are
    refused (learners.services.TokenTermsInvalid) with nothing written."""
    from learncity.learners.services import api_token_insert, api_token_terms_check

    if actor is not None:
        require(
            actor,
            "learners.token_manage",
            Scope(own=actor.user_id == user_id),
            refusal=Forbidden(_("이 사용자의 API 토큰을 발급할 권한이 없습니다")),
        )
    label = api_token_terms_check(days=days, scope=scope, label=label)
    username = User.objects.filter(pk=user_id, is_active=True).values_list("username", flat=True)
    name = username.first()
    if name is None:
        raise UnknownUser(_("그런 사용자가 없습니다"))
    with transaction.atomic():
        token_id, token = api_token_insert(user_id=user_id, label=label, days=days, scope=scope)
        _audit(
            actor=actor,
            change=StaffAudit.Change.TOKEN_ISSUED,
            subject_id=user_id,
            subject_label=name,
            detail=f"token {token_id} {scope} {days}d {label}".strip()[:200],
        )
    return token_id, token


def token_revoke(*, actor: Actor | None, token_id: int) -> None:
    """Revoke a token (its holder, or a city administrator), audited; a revoked token no
    longer authenticates the API."""
    with transaction.atomic():
        found = ApiToken.objects.select_for_update().filter(pk=token_id).first()
        if found is None or found.revoked_at is not None:
            raise TokenNotFound(_("폐기할 수 있는 토큰이 없습니다"))
        if actor is not None:
            require(
                actor,
                "learners.token_manage",
                Scope(own=actor.user_id == found.user_id),
                refusal=Forbidden(_("이 토큰을 폐기할 권한이 없습니다")),
            )
        found.revoked_at = timezone.now()
        found.save(update_fields=["revoked_at"])
        name = User.objects.filter(pk=found.user_id).values_list("username", flat=True).first()
        _audit(
            actor=actor,
            change=StaffAudit.Change.TOKEN_REVOKED,
            subject_id=found.user_id,
            subject_label=name or "",
            detail=f"token {found.pk}",
        )
