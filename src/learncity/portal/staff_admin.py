"""The city office's own pages: where people land after signing in (staff on the staff home,
citizens on their applications), the staff home (today's sessions, offers opening or
closing soon, waiting lists, quarantined import rows, each a link to the page that handles
it, scoped by the person's roles), staff management for city administrators (invite by a
one-time link through the outbox, grant and withdraw scoped roles, the audit log), the
invitation's own page, API tokens (issued and shown once, listed, revoked), and the import
rows held back in quarantine.

Each view parses, asks the access policy (or calls a service that does), and renders; no
business logic here (learners.staff_services and learners.staff_selectors hold it)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from learncity.core.errors import LearncityError
from learncity.learners import staff_selectors, staff_services
from learncity.learners.access import Actor, allowed, requires

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _actor(request: HttpRequest) -> Actor:
    pk: Any = request.user.pk
    return Actor(int(pk))


def _refused(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "portal/staff_admin/refused.html", {"error": message}, status=status)


def _signed_in(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return guarded


def _allowed_or_refused(action: str) -> Callable[[Callable[..., HttpResponse]], Any]:
    """Anonymous: sign in first; signed in without the action anywhere: a 403 page."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not allowed(_actor(request), action):
                return _refused(request, _("이 페이지를 볼 권한이 없습니다"), 403)
            return view(request, *args, **kwargs)

        return guarded

    return decorate


# ------------------------------------------------------------------ landing and staff home


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    """After signing in: staff to the staff home, everyone else to their applications."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if staff_selectors.is_staff_user(_actor(request)):
        return redirect("portal:staff_home")
    return redirect("portal:my_applications")


@require_GET
@_allowed_or_refused("portal.staff_enter")
def staff_home(request: HttpRequest) -> HttpResponse:
    from learncity.attendance.selectors import sessions_today
    from learncity.enrollment.selectors import offers_turning_for_staff

    actor = _actor(request)
    today = timezone.localdate()
    sessions = sessions_today(actor=actor, day=today)
    offers = offers_turning_for_staff(actor)
    quarantine = None
    if allowed(actor, "catalog.quarantine_read"):
        from learncity.catalog.selectors import quarantine_list

        quarantine = quarantine_list(limit=0)["open"]
    context = {
        "today": today,
        "sessions": sessions[:10],
        "session_count": len(sessions),
        "opening": offers["opening"],
        "closing": offers["closing"],
        "waiting": offers["waiting"],
        "quarantine": quarantine,
        "may_manage_staff": allowed(actor, "learners.staff_read"),
        "may_manage_tokens": True,
    }
    return render(request, "portal/staff_admin/home.html", context)


# ------------------------------------------------------------------ staff management


class RoleForm(forms.Form):
    """A role with its scope, for an existing account (grant) or an e-mail address (invite)."""

    action = forms.ChoiceField(choices=[("grant", "grant"), ("invite", "invite")])
    username = forms.CharField(label=gettext_lazy("사용자 이름"), max_length=150, required=False)
    email = forms.EmailField(label=gettext_lazy("전자우편"), required=False)
    role = forms.ChoiceField(label=gettext_lazy("역할"), choices=staff_selectors.role_choices)
    institution = forms.CharField(
        label=gettext_lazy("기관 (강사·기관 담당자)"), max_length=200, required=False
    )
    district = forms.CharField(
        label=gettext_lazy("시·군·구 (시·군·구 담당자, 학습 상담사)"), max_length=60, required=False
    )


def _people_page(
    request: HttpRequest, form: RoleForm, *, status: int = 200, link: str = ""
) -> HttpResponse:
    from learncity.catalog.selectors import institution_rows
    from learncity.regions.selectors import region_refs

    context = {
        "form": form,
        "staff": staff_selectors.staff_list(),
        "invitations": staff_selectors.invitations_open(),
        "audit": staff_selectors.staff_audit(limit=50),
        "roles": staff_selectors.role_choices(),
        "institutions": institution_rows(limit=2000),
        "districts": sorted(
            (ref for ref in region_refs() if ref.level == "district"),
            key=lambda ref: ref.full_name or ref.name,
        ),
        "may_manage": allowed(_actor(request), "learners.staff_manage"),
        "invitation_link": link,
    }
    return render(request, "portal/staff_admin/people.html", context, status=status)


@require_http_methods(["GET", "POST"])
@_allowed_or_refused("learners.staff_read")
@requires("learners.staff_manage")
def people(request: HttpRequest) -> HttpResponse:
    """Staff and their roles; a city administrator grants a role to an account or invites
    someone by e-mail (the link goes through the outbox)."""
    if request.method != "POST":
        return _people_page(request, RoleForm(initial={"action": "grant"}))
    actor = _actor(request)
    if not allowed(actor, "learners.staff_manage"):
        return _refused(request, _("직원과 역할은 시 관리자만 관리할 수 있습니다"), 403)
    form = RoleForm(request.POST)
    if not form.is_valid():
        return _people_page(request, form, status=400)
    data = form.cleaned_data
    try:
        scope = staff_services.role_scope(
            role=data["role"], institution=data["institution"] or None, district=data["district"]
        )
        if data["action"] == "grant":
            user_id = staff_services.user_id_of(data["username"])
            staff_services.role_grant(actor=actor, user_id=user_id, scope=scope)
            messages.success(request, _("역할을 부여했습니다"))
            return redirect("portal:staff_people")
        _invitation, link = staff_services.staff_invite(
            actor=actor,
            email=data["email"],
            scope=scope,
            username=data["username"],
            link=lambda token: request.build_absolute_uri(
                reverse("portal:invitation", args=[token])
            ),
        )
    except LearncityError as exc:
        form.add_error(None, exc.message)
        return _people_page(request, form, status=exc.http_status)
    messages.success(request, _("초대 링크를 전자우편으로 보냈습니다 (발송 대기열)"))
    return _people_page(request, RoleForm(initial={"action": "invite"}), link=link)


@require_POST
@_signed_in
@requires("learners.staff_manage")
def role_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        staff_services.role_withdraw(actor=_actor(request), role_id=pk)
    except LearncityError as exc:
        return _refused(request, exc.message, exc.http_status)
    messages.success(request, _("역할을 회수했습니다"))
    return redirect("portal:staff_people")


@require_POST
@_signed_in
@requires("learners.staff_manage")
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        staff_services.invitation_revoke(actor=_actor(request), invitation_id=pk)
    except LearncityError as exc:
        return _refused(request, exc.message, exc.http_status)
    messages.success(request, _("초대를 취소했습니다"))
    return redirect("portal:staff_people")


# ------------------------------------------------------------------ accepting an invitation


class AcceptForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("사용자 이름"), max_length=150)
    password1 = forms.CharField(
        label=gettext_lazy("비밀번호"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=gettext_lazy("비밀번호 확인"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password1") != data.get("password2"):
            raise forms.ValidationError(_("두 비밀번호가 다릅니다"))
        return data


@require_http_methods(["GET", "POST"])
@requires("learners.invitation_accept")
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The invitation's link: a new account (user name and password), or, for an existing
    account, a button for its holder once signed in. The link works once."""
    try:
        invitation = staff_services.invitation_state(token)
    except LearncityError as exc:
        return _refused(request, exc.message, exc.http_status)
    signed_in = request.user.pk if request.user.is_authenticated else None
    for_existing = invitation.user_id is not None
    form = AcceptForm(request.POST or None) if not for_existing else None
    status = 200
    if request.method == "POST":
        status = 400
        if form is None or form.is_valid():
            data = form.cleaned_data if form is not None else {}
            try:
                user_id = staff_services.invitation_accept(
                    token=token,
                    signed_in_user_id=int(signed_in) if signed_in is not None else None,
                    username=data.get("username", ""),
                    password=data.get("password1", ""),
                )
            except LearncityError as exc:
                if form is None or exc.http_status in (403, 404, 410):
                    return _refused(request, exc.message, exc.http_status)
                form.add_error(None, exc.message)
                status = exc.http_status
            else:
                if signed_in is None:
                    from django.contrib.auth.models import User

                    login(request, User.objects.get(pk=user_id), backend=MODEL_BACKEND)
                messages.success(request, _("직원 역할을 받았습니다. 환영합니다!"))
                return redirect("portal:staff_home")
    context = {
        "form": form,
        "invitation": invitation,
        "role_label": staff_selectors.role_label(invitation.role),
        "for_existing": for_existing,
        "signed_in": signed_in is not None,
    }
    return render(request, "portal/staff_admin/accept.html", context, status=status)


# ------------------------------------------------------------------ API tokens


TOKEN_DAY_CHOICES = (7, 30, 90, 180, 365)


def _tokens_page(
    request: HttpRequest,
    *,
    token: str = "",
    status: int = 200,
    error: str = "",
    chosen: dict[str, Any] | None = None,
) -> HttpResponse:
    actor = _actor(request)
    context = {
        "tokens": staff_selectors.tokens_for(actor),
        "new_token": token,
        "error": error,
        "for_anyone": allowed(actor, "learners.token_manage"),
        "day_choices": TOKEN_DAY_CHOICES,
        "scope_choices": staff_selectors.TOKEN_SCOPE_CHOICES,
        "chosen": chosen
        or {
            "days": staff_selectors.TOKEN_DAYS_DEFAULT,
            "scope": staff_selectors.TOKEN_SCOPE_DEFAULT,
            "label": "",
        },
    }
    response = render(request, "portal/staff_admin/tokens.html", context, status=status)
    if token:
        response["Cache-Control"] = "no-store"
    return response


def _days(text: str) -> int:
    """The number of days chosen; anything else is 0, which the service refuses."""
    text = text.strip()
    if not text:
        return staff_selectors.TOKEN_DAYS_DEFAULT
    try:
        return int(text) if len(text) <= 12 else 0
    except ValueError:
        return 0


@require_http_methods(["GET", "POST"])
@_signed_in
@requires("learners.token_manage")
def tokens(request: HttpRequest) -> HttpResponse:
    """One's API tokens (a city administrator: everyone's): issue one with a life in days
    and a scope (read only by default), shown on this answer only."""
    if request.method != "POST":
        return _tokens_page(request)
    actor = _actor(request)
    label = request.POST.get("label", "")
    username = request.POST.get("username", "").strip()
    days = _days(request.POST.get("days", ""))
    scope = request.POST.get("scope", staff_selectors.TOKEN_SCOPE_DEFAULT)
    try:
        user_id = staff_services.user_id_of(username) if username else actor.user_id
        _, token = staff_services.token_issue(
            actor=actor, user_id=user_id, label=label, days=days, scope=scope
        )
    except LearncityError as exc:
        chosen = {"days": days, "scope": scope, "label": label[:100]}
        return _tokens_page(request, status=exc.http_status, error=exc.message, chosen=chosen)
    return _tokens_page(request, token=token)


@require_POST
@_signed_in
@requires("learners.token_manage")
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        staff_services.token_revoke(actor=_actor(request), token_id=pk)
    except LearncityError as exc:
        return _refused(request, exc.message, exc.http_status)
    messages.success(request, _("토큰을 폐기했습니다"))
    return redirect("portal:tokens")


# ------------------------------------------------------------------ quarantined import rows


@require_GET
@_allowed_or_refused("catalog.quarantine_read")
def quarantine(request: HttpRequest) -> HttpResponse:
    from learncity.catalog.selectors import quarantine_list

    return render(request, "portal/staff_admin/quarantine.html", quarantine_list(limit=200))
