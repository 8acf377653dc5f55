"""Account pages: sign-up, sign-in with a lockout, sign-out, password reset through the
outbox. Each view parses a form, calls one learners service and renders."""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_GET, require_http_methods

from learncity.core.ratelimit import client_address, rate_limit_hit
from learncity.learners.access import requires
from learncity.learners.forms import (
    LoginForm,
    NewPasswordForm,
    PasswordResetRequestForm,
    PhoneCodeForm,
    SignUpForm,
    districts,
    neighbourhoods,
)
from learncity.learners.phone_codes import (
    PhoneCodeRefused,
    learner_sign_up_with_code,
    phone_code_send,
)
from learncity.learners.services import (
    AccountError,
    message_language_of_page,
    reset_link_tokens,
)
from learncity.learners.services import password_reset_request as reset_request

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _next(request: HttpRequest, default: str) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return default


SEND_CODE = "send-code"  # the value of the button that (re)sends the code


def _code_sent_form(request: HttpRequest, phone: str) -> SignUpForm:
    """Sign-up's second step, unbound: what was typed so far (no password, no code) and the
    number the code went to."""
    typed = {
        name: request.POST[name]
        for name in SignUpForm.base_fields
        if name in request.POST and name not in {"password1", "password2", "code", "phone"}
    }
    return SignUpForm(initial={**typed, "phone": phone})


@require_http_methods(["GET", "POST"])
@requires("learners.sign_up")
def sign_up(request: HttpRequest) -> HttpResponse:
    """Two steps (issue 19, finding 5). The number: a code is sent to it (or, when an account
    holds it, a notice to the holder), and the answer is the same page either way. Then the
    form with that code: only the number's live code creates the account, its number verified.
    A taken number answers as a wrong code does: no page tells whether an account exists."""
    after = _next(request, reverse("portal:my_applications"))
    if request.user.is_authenticated:
        return redirect(after)
    if request.method == "GET":
        return _sign_up_page(request, PhoneCodeForm(), after=after, step="phone")
    if request.POST.get("action") == SEND_CODE:
        phone_form = PhoneCodeForm(request.POST)
        if not phone_form.is_valid():
            return _sign_up_page(request, phone_form, after=after, step="phone", status=400)
        phone = phone_form.cleaned_data["phone"]
        # the same answer whether a code or the holder's notice was sent
        retry_after = phone_code_send(
            phone=phone,
            address=client_address(request),
            language=message_language_of_page(get_language()),
        )
        form = _code_sent_form(request, phone)
        if retry_after is None:
            return _sign_up_page(request, form, after=after, step="code", sent=True)
        refused = _sign_up_page(request, form, after=after, step="code", status=429, busy=True)
        refused["Retry-After"] = str(retry_after)
        return refused
    form = SignUpForm(request.POST)
    status = 400
    retry_after = None
    if form.is_valid():
        # each complete sign-up counts, per address, across every worker (settings)
        retry_after = rate_limit_hit(
            "sign-up",
            key=client_address(request),
            limit=settings.LEARNCITY_SIGNUPS_PER_ADDRESS,
            window=60 * settings.LEARNCITY_SIGNUP_WINDOW,
        )
    if retry_after is not None:
        form.add_error(None, gettext("이 곳에서 가입이 너무 많았습니다. 잠시 후 다시 해 주세요"))
        status = 429
    elif form.is_valid():
        try:
            # messages in the language of the sign-up page (changed on the account page)
            learner = learner_sign_up_with_code(
                code=form.cleaned_data["code"],
                **form.sign_up_arguments(),
                language=message_language_of_page(get_language()),
            )
        except PhoneCodeRefused as exc:
            form.add_error("code", exc.message)
        except AccountError as exc:
            form.add_error(None, exc.message)
        else:
            login(request, learner.user, backend=MODEL_BACKEND)
            messages.success(request, gettext("가입했습니다. 환영합니다!"))
            return redirect(after)
    response = _sign_up_page(request, form, after=after, step="code", status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _sign_up_page(
    request: HttpRequest,
    form: SignUpForm | PhoneCodeForm,
    *,
    after: str,
    step: str,
    status: int = 200,
    sent: bool = False,
    busy: bool = False,
) -> HttpResponse:
    """Step "phone" (portal/signup_phone.html) or step "code" (portal/signup.html)."""
    context: dict[str, Any] = {
        "form": form,
        "next": after,
        "code_sent": sent,
        "code_busy": busy,
        "send_code": SEND_CODE,
    }
    if step == "phone":
        return render(request, "portal/signup_phone.html", context, status=status)
    # the number the code went to: another one is asked for on the first step
    form.fields["phone"].widget.attrs["readonly"] = "readonly"
    places = districts()  # the city's 시·군·구 (a one-district city: chosen already)
    chosen = form["district_code"].value() or (places[0].code if len(places) == 1 else "")
    context |= {
        "code_minutes": settings.LEARNCITY_PHONE_CODE_MINUTES,
        "districts": places,
        "neighbourhoods": neighbourhoods(chosen),
        "chosen_district": chosen,
        "chosen_neighbourhood": form["neighbourhood_code"].value() or "",
    }
    return render(request, "portal/signup.html", context, status=status)


@require_GET
def neighbourhood_options(request: HttpRequest) -> HttpResponse:
    """The neighbourhood choices of a district (HTMX, when the district changes)."""
    code = request.GET.get("district_code", "")[:10]
    context = {"neighbourhoods": neighbourhoods(code), "chosen_neighbourhood": ""}
    return render(request, "portal/_neighbourhoods.html", context)


@requires("learners.sign_in")
class LoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 400
        if form.locked is not None:  # the page says when; the header too
            response.status_code = 429
            wait = (form.locked.until - timezone.now()).total_seconds()
            response["Retry-After"] = str(max(1, math.ceil(wait)))
        return response


@requires("learners.sign_out")
class LogoutView(auth_views.LogoutView):
    next_page = "portal:home"


@require_http_methods(["GET", "POST"])
@requires("learners.password_reset")
def password_reset(request: HttpRequest) -> HttpResponse:
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():

            def link(uid: str, token: str) -> str:
                path = reverse("portal:password_reset_confirm", args=[uid, token])
                return request.build_absolute_uri(path)

            # the same answer whether an account matched, a limit was reached or not
            reset_request(
                identifier=form.cleaned_data["identifier"],
                link=link,
                address=client_address(request),
            )
            return redirect("portal:password_reset_sent")
        return render(request, "portal/password_reset.html", {"form": form}, status=400)
    return render(request, "portal/password_reset.html", {"form": form})


@require_GET
def password_reset_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/password_reset_sent.html")


@requires("learners.password_reset")
class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "portal/password_reset_confirm.html"
    form_class = NewPasswordForm
    token_generator = reset_link_tokens  # the account's latest link only
    success_url = reverse_lazy("portal:login")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(
            self.request,
            gettext("새 비밀번호를 정했습니다. 로그인해 주세요."),
        )
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 400
        return response
