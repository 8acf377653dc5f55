"""Forms of the account pages: parse and check what a person typed; the writes are
learners.services (sign-up, lockout, password reset).

Every message is written in Korean and English ("한국어 / English"), the way the services
write theirs. Fields with an error get `aria-invalid` and `aria-describedby` pointing at
the error (and at the help text), so a screen reader reads the error with the field.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from learncity.core.ratelimit import client_address as client_address  # noqa: PLC0414 (re-exported)
from learncity.learners.models import Consent, Learner
from learncity.learners.selectors import username_taken
from learncity.learners.services import (
    AccountError,
    SignInLock,
    login_failure_record,
    login_failures_clear,
    login_locked_until,
    normalise_phone,
    password_reset_complete,
)
from learncity.regions.selectors import (
    RegionRef,
    city_district_refs,
    city_neighbourhood_refs,
    region_ref_get,
)


class Described(forms.BaseForm):
    """Links each field to its help text and its errors (aria-describedby)."""

    def full_clean(self) -> None:
        super().full_clean()
        self.describe()

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        self.describe()

    def describe(self) -> None:
        if getattr(self, "_errors", None) is None:
            return
        for name, field in self.fields.items():
            bound = self[name]
            ids = []
            if field.help_text:
                ids.append(f"{bound.auto_id}_helptext")
            if name in self.errors:
                ids.append(f"{bound.auto_id}_error")
                field.widget.attrs["aria-invalid"] = "true"
            else:
                field.widget.attrs.pop("aria-invalid", None)
            if self.non_field_errors():
                ids.append("form-errors")
            if ids:
                field.widget.attrs["aria-describedby"] = " ".join(ids)
            else:
                field.widget.attrs.pop("aria-describedby", None)


def _required(ko: str, en: str) -> dict[str, str]:
    return {"required": f"{ko} / {en}"}


def districts() -> list[RegionRef]:
    """The 시·군·구 a resident may live in: the city's (`learncity city set`; the 구 of a 시 with
    구, not the 시), every loaded one when no city is set."""
    return city_district_refs(counted=True)


def neighbourhoods(district_code: str) -> list[RegionRef]:
    """The 읍·면·동 of one of those 시·군·구 (none for a 시·군·구 outside the city)."""
    if not district_code:
        return []
    return [
        r
        for r in city_neighbourhood_refs(district_code=district_code)
        if r.parent_code == district_code
    ]


class MobilePhoneField(forms.CharField):
    """A mobile number, normalised to its digits (learners.services.normalise_phone)."""

    def __init__(self) -> None:
        super().__init__(
            max_length=20,
            help_text=gettext_lazy("예: 010-1234-5678 (계정 하나에 번호 하나)"),
            error_messages=_required("휴대전화 번호를 입력해 주세요", "give your mobile number"),
            widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        )

    def clean(self, value: Any) -> str:
        typed: str = super().clean(value)
        try:
            return normalise_phone(typed)
        except AccountError as exc:
            raise ValidationError(exc.message) from None


class SignUpForm(Described, forms.Form):
    username = forms.CharField(
        max_length=150,
        min_length=3,
        help_text=gettext_lazy("3~150자: 영문, 숫자, _ . @ + -"),
        error_messages=_required("아이디를 입력해 주세요", "choose a user name"),
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password1 = forms.CharField(
        strip=False,
        help_text=gettext_lazy("8자 이상, 흔하거나 숫자만인 비밀번호는 안 됩니다"),
        error_messages=_required("비밀번호를 입력해 주세요", "choose a password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        strip=False,
        error_messages=_required("비밀번호를 한 번 더 입력해 주세요", "repeat the password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    name = forms.CharField(
        max_length=100,
        error_messages=_required("이름을 입력해 주세요", "give your name"),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    birth_year = forms.IntegerField(
        min_value=1900,
        help_text=gettext_lazy("예: 1958"),
        error_messages={
            **_required("태어난 해를 입력해 주세요", "give your birth year"),
            "invalid": gettext_lazy("태어난 해를 숫자 네 자리로 입력해 주세요"),
            "min_value": gettext_lazy("1900년 이후여야 합니다"),
        },
        widget=forms.NumberInput(attrs={"autocomplete": "bday-year", "inputmode": "numeric"}),
    )
    phone = MobilePhoneField()
    email = forms.EmailField(
        required=False,
        error_messages={"invalid": gettext_lazy("이메일 주소를 확인해 주세요")},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    district_code = forms.CharField(required=False, max_length=10)
    neighbourhood_code = forms.CharField(required=False, max_length=10)
    disability = forms.BooleanField(required=False)
    low_income = forms.BooleanField(required=False)
    multicultural = forms.BooleanField(required=False)
    consent_service = forms.BooleanField(
        error_messages=_required(
            "서비스 이용 동의가 있어야 가입할 수 있습니다",
            "the service consent is needed to create an account",
        )
    )
    consent_notifications = forms.BooleanField(required=False)
    consent_sensitive = forms.BooleanField(required=False)  # a disability kept only with it

    # the code sent to `phone` (learners.phone_codes); checked by the sign-up service
    code = forms.CharField(
        max_length=12,
        help_text=gettext_lazy("문자로 받은 숫자 6자리"),
        error_messages=_required("인증번호를 입력해 주세요", "give the code we sent"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_code(self) -> str:
        code = re.sub(r"\s", "", self.cleaned_data["code"])
        if not re.fullmatch(r"[0-9]{6}", code):
            raise ValidationError(gettext("인증번호는 숫자 6자리입니다"))
        return code

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        if username_taken(username):
            raise ValidationError(gettext("이미 쓰이는 아이디입니다"))
        return username

    def clean_birth_year(self) -> int:
        year: int = self.cleaned_data["birth_year"]
        this_year = timezone.localdate().year
        if year > this_year:
            raise ValidationError(gettext("%(year)s년 이전이어야 합니다") % {"year": this_year})
        return year

    def clean_district_code(self) -> str:
        code: str = self.cleaned_data["district_code"]
        if code and code not in {d.code for d in districts()}:
            raise ValidationError(gettext("목록에서 시·군·구를 골라 주세요"))
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", gettext("두 비밀번호가 다릅니다"))
        elif first:
            try:
                validate_password(first)
            except ValidationError as exc:
                self.add_error("password1", " ".join(exc.messages))
        code = data.get("neighbourhood_code") or ""
        if code:
            found = region_ref_get(code=code)
            if (
                found is None
                or found.level != "neighbourhood"
                or found.parent_code != data.get("district_code")
            ):
                self.add_error(
                    "neighbourhood_code",
                    gettext("고른 시·군·구의 읍·면·동을 골라 주세요"),
                )
        return data

    def sign_up_arguments(self) -> dict[str, Any]:
        """What learners.services.learner_sign_up takes."""
        data = self.cleaned_data
        consents: tuple[str, ...] = (Consent.Purpose.SERVICE,)
        if data.get("consent_notifications"):
            consents += (Consent.Purpose.NOTIFICATIONS,)
        if data.get("consent_sensitive"):
            consents += (Consent.Purpose.SENSITIVE,)
        return {
            "username": data["username"],
            "password": data["password1"],
            "name": data["name"],
            "birth_year": data["birth_year"],
            "phone": data["phone"],
            "email": data.get("email") or "",
            "district_code": data.get("district_code") or "",
            "neighbourhood_code": data.get("neighbourhood_code") or "",
            "disability": bool(data.get("disability")),
            "low_income": bool(data.get("low_income")),
            "multicultural": bool(data.get("multicultural")),
            "consents": consents,
        }


_LANGUAGE_CHOICE = gettext_lazy("알림 받을 언어는 한국어나 English 가운데 하나를 골라 주세요")


class MessageLanguageForm(Described, forms.Form):
    """The language of one's SMS and e-mail messages (the account page; written by
    learners.services.learner_language_set)."""

    language = forms.ChoiceField(
        choices=Learner.Language.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _LANGUAGE_CHOICE, "invalid_choice": _LANGUAGE_CHOICE},
    )


def lockout_message(lock: SignInLock) -> str:
    """The refusal of a locked sign-in, with the time to try again (in the page's language)."""
    local = timezone.localtime(lock.until)
    if lock.whole_address:
        text = gettext(
            "이 곳에서 로그인에 너무 여러 번 실패해서 %(until)s까지 로그인할 수 없습니다."
            " %(until)s 이후에 다시 해 주세요."
        )
    else:
        text = gettext(
            "로그인에 여러 번 실패해서 %(until)s까지 이 아이디로 로그인할 수 없습니다."
            " 비밀번호를 잊었다면 재설정해 주세요."
        )
    return text % {"until": f"{local:%H:%M}"}


class LoginForm(Described, AuthenticationForm):
    """Django's sign-in form with a lockout shared by all workers (the database), counted
    per client address: LEARNCITY_LOGIN_FAILURES failures of a user name from one address
    within LEARNCITY_LOGIN_WINDOW minutes refuse that name from that address, and
    LEARNCITY_LOGIN_ADDRESS_FAILURES failures of any names refuse the whole address, for
    LEARNCITY_LOGIN_LOCKOUT minutes, even with the right password. The owner signing in
    from elsewhere is not refused for someone else's failures. `locked` is the refusal's
    lock (the page's Retry-After)."""

    error_messages = {
        "invalid_login": gettext_lazy("아이디 또는 비밀번호가 맞지 않습니다"),
        "inactive": gettext_lazy("사용할 수 없는 계정입니다"),
    }
    locked: SignInLock | None = None

    def _refuse(self, lock: SignInLock) -> ValidationError:
        self.locked = lock
        return ValidationError(lockout_message(lock), code="locked")

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        address = client_address(self.request)
        if username:
            lock = login_locked_until(username, address=address)
            if lock is not None:
                raise self._refuse(lock)
        try:
            data: dict[str, Any] = super().clean()
        except ValidationError as exc:
            if username and exc.code == "invalid_login":
                lock = login_failure_record(username, address=address)
                if lock is not None:
                    raise self._refuse(lock) from None
            raise
        login_failures_clear(username, address=address)
        return data


class PasswordResetRequestForm(Described, forms.Form):
    identifier = forms.CharField(
        max_length=254,
        help_text=gettext_lazy("가입할 때 쓴 휴대전화 번호, 아이디 또는 이메일"),
        error_messages=_required(
            "휴대전화 번호, 아이디 또는 이메일을 입력해 주세요",
            "give a mobile number, a user name or an e-mail address",
        ),
    )


class NewPasswordForm(Described, SetPasswordForm):  # type: ignore[type-arg]
    """Django's set-password form; a new password also lifts a lockout and forgets the
    account's reset link."""

    def save(self, commit: bool = True) -> Any:
        user = super().save(commit=commit)
        password_reset_complete(user_id=user.pk, username=user.get_username())
        return user


class EligibilityDeclarationForm(Described, forms.Form):
    """What a person declares about themselves on the account page (written by
    learners.eligibility.eligibility_declare): each becomes a claim that waits for
    verification at a desk. The disability only with the sensitive-information consent."""

    district_code = forms.CharField(required=False, max_length=10)
    disability = forms.BooleanField(required=False)
    consent_sensitive = forms.BooleanField(required=False)
    low_income = forms.BooleanField(required=False)
    multicultural = forms.BooleanField(required=False)

    def clean_district_code(self) -> str:
        code: str = self.cleaned_data["district_code"]
        if code and code not in {d.code for d in districts()}:
            raise ValidationError(gettext("목록에서 시·군·구를 골라 주세요"))
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("disability") and not data.get("consent_sensitive"):
            self.add_error(
                "consent_sensitive",
                gettext("장애 여부를 알리려면 민감정보 처리에 따로 동의해 주세요"),
            )
        return data


class PhoneCodeForm(Described, forms.Form):
    """Sign-up's first step: the mobile number a code is sent to (learners.phone_codes)."""

    phone = MobilePhoneField()
