"""The citizen's own pages: my account (what the account holds, where to change it, and the
language of one's SMS and e-mail messages, the one thing changed here) and the privacy policy
(the purpose and retention of each personal field), which every consent checkbox links to.

The privacy policy states what the code does: `learners.models` (the fields),
`learners.models.Consent.Purpose` (the purposes consented to) and `learners.erasure` (what
closing an account erases and what it keeps, pseudonymous, for the statistics). A field added
to the learner's profile needs its row here (tests/portal/test_citizen_pages.py checks)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from learncity.core.errors import LearncityError
from learncity.learners.access import Actor, requires
from learncity.learners.eligibility import claims_of, eligibility_declare, has_sensitive_consent
from learncity.learners.forms import EligibilityDeclarationForm, MessageLanguageForm, districts
from learncity.learners.selectors import learner_declared, learner_id_of_user, message_language
from learncity.learners.services import AccountError, learner_language_set


@dataclass(frozen=True)
class PersonalField:
    fields: tuple[str, ...]  # the model fields it covers (learners.Learner, auth.User, ...)
    name: str | Promise
    purpose: str | Promise
    retention: str | Promise


_KEPT = _("탈퇴 뒤에도 이름 없이 통계용으로 남습니다 (가명 처리).")
_ERASED = _("계정이 있는 동안 보관하고, 탈퇴하면 바로 지웁니다.")

# Learner's and the account's fields, as learners.models and learners.erasure handle them
PERSONAL_FIELDS: tuple[PersonalField, ...] = (
    PersonalField(
        ("user.username", "user.password"),
        _("아이디, 비밀번호 (암호화된 값)"),
        _("로그인"),
        _(
            "계정이 있는 동안 보관합니다. "
            "탈퇴하면 아이디는 무작위 가명으로 바뀌고 비밀번호는 쓸 수 없게 됩니다."
        ),
    ),
    PersonalField(
        ("name",),
        _("이름"),
        _("신청 확인, 출석부, 학습이력서와 증명서에 이름을 적기 위해"),
        _ERASED,
    ),
    PersonalField(
        ("phone", "phone_verified"),
        _("휴대전화 번호"),
        _(
            "한 사람이 계정 하나만 만들도록 확인하고, "
            "알림 수신에 동의한 경우 수강 안내 문자를 보내기 위해"
        ),
        _ERASED,
    ),
    PersonalField(
        ("identity_token",),
        _("본인확인 값 (본인확인 기관이 준 토큰)"),
        _("한 사람이 계정 하나만 만들도록 확인하기 위해"),
        _ERASED,
    ),
    PersonalField(
        ("email", "user.email"),
        _("이메일"),
        _("비밀번호 재설정 안내와, 알림 수신에 동의한 경우 수강 안내를 보내기 위해"),
        _ERASED,
    ),
    PersonalField(
        ("birth_year",),
        _("출생 연도"),
        _(
            "연령 대상 강좌의 신청 자격과 어르신(65세 이상) 수강료 감면을 확인하고, "
            "연령대별 통계를 내기 위해"
        ),
        _KEPT,
    ),
    PersonalField(
        ("district_code", "neighbourhood_code"),
        _("사는 곳 (시·군·구, 읍·면·동)"),
        _("지역 주민 우선 선발, 가까운 강좌 안내, 지역별 참여 통계를 위해"),
        _KEPT,
    ),
    PersonalField(
        ("disability", "low_income", "multicultural"),
        _("장애, 저소득, 다문화 가정 여부 (본인이 알린 경우, 장애는 민감정보 동의가 있을 때만)"),
        _(
            "우선 선발, 수강료 감면과 바우처 대상 확인(창구에서 증빙을 확인한 뒤에만), "
            "배움이 필요한 이웃에게 닿았는지 보는 통계를 위해"
        ),
        _KEPT,
    ),
    PersonalField(
        ("language",),
        _("알림 받을 언어 (한국어 또는 English)"),
        _(
            "문자와 이메일 알림을 그 언어로 쓰기 위해 "
            "(가입한 화면의 언어로 정하고, 내 계정에서 바꿀 수 있습니다)"
        ),
        _ERASED,
    ),
    PersonalField(
        ("consents",),
        _("동의 기록 (항목과 날짜)"),
        _("무엇에 언제 동의했는지 증명하기 위해"),
        _("탈퇴하면 모든 동의가 철회된 것으로 기록합니다."),
    ),
    PersonalField(
        ("household_links",),
        _("가족 대리 신청 연결"),
        _("가족(자녀, 부모님)을 대신해 신청하기 위해 (그 가족의 동의가 있을 때만)"),
        _("탈퇴하면 연결을 철회하고 관계 표시를 지웁니다."),
    ),
    PersonalField(
        ("applications", "attendance", "record_entries"),
        _("신청, 출석, 수료와 학습 이력"),
        _("수강 관리, 학습이력서와 증명서 발급, 평생학습 통계를 위해"),
        _("탈퇴 뒤에도 이름 없이 통계용으로 남습니다. 발급한 증명서는 폐지합니다."),
    ),
    PersonalField(
        ("checkin_codes",),
        _("출석 QR 코드"),
        _("교육장 키오스크에서 출석을 확인하기 위해"),
        _("새 코드를 받거나 탈퇴하면 바로 쓸 수 없게 됩니다."),
    ),
    PersonalField(
        ("outbox",),
        _("보낸 문자·이메일"),
        _("알림을 보내고 보낸 기록을 남기기 위해"),
        _("탈퇴하면 받는 사람의 연락처와 본문을 지우고, 보내지 않은 알림은 보내지 않습니다."),
    ),
    PersonalField(
        ("api_tokens",),
        _("API 토큰 (이름과 날짜)"),
        _("다른 프로그램에서 내 정보에 접근하도록 허락하기 위해"),
        _("탈퇴하면 모두 폐기합니다."),
    ),
    PersonalField(
        ("login_throttle",),
        _("로그인 실패 횟수 (아이디별)"),
        _("남의 비밀번호를 맞혀 보는 시도를 막기 위해"),
        _("잠금 시간이 지나면 다시 0부터 셉니다."),
    ),
)


@dataclass(frozen=True)
class ConsentPurpose:
    code: str
    name: str | Promise
    required: bool
    what: str | Promise


# learners.models.Consent.Purpose, each with what it allows
CONSENT_PURPOSES: tuple[ConsentPurpose, ...] = (
    ConsentPurpose(
        "service",
        _("서비스 이용"),
        True,
        _("계정을 만들고 강좌를 신청하며, 위 표의 목적에 맞게 개인정보를 처리하는 데 동의합니다."),
    ),
    ConsentPurpose(
        "notifications",
        _("알림 수신"),
        False,
        _(
            "수강 확정, 대기 순번, 수업 전 안내를 문자나 이메일로 받습니다. "
            "동의하지 않아도 서비스를 쓸 수 있습니다."
        ),
    ),
    ConsentPurpose(
        "records",
        _("학습이력 기록"),
        False,
        _("수료한 강좌와 학습 시간을 학습 이력으로 모아 학습이력서와 증명서로 내려받습니다."),
    ),
    ConsentPurpose(
        "statistics",
        _("통계 활용 (가명)"),
        False,
        _("이름과 연락처를 뺀 정보로 지역별·연령대별 참여 통계를 냅니다."),
    ),
    ConsentPurpose(
        "sensitive",
        _("민감정보(장애 여부) 처리"),
        False,
        _(
            "장애 여부를 수강료 감면, 우선 선발과 바우처 대상 확인에 씁니다 "
            "(개인정보 보호법 제23조). 동의하지 않으면 장애 여부를 저장하지 않고, "
            "동의를 철회하면 장애 여부와 그 확인 기록을 지웁니다."
        ),
    ),
)


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    context = {"fields": PERSONAL_FIELDS, "purposes": CONSENT_PURPOSES}
    return render(request, "portal/privacy.html", context)


def _account_page(
    request: HttpRequest,
    form: MessageLanguageForm | None = None,
    status: int = 200,
    *,
    eligibility_form: EligibilityDeclarationForm | None = None,
) -> HttpResponse:
    """The account page; the language form only for an account with a learner profile
    (staff without one receive no learner's messages)."""
    learner_id = learner_id_of_user(int(str(request.user.pk)))
    if form is None and learner_id is not None:
        form = MessageLanguageForm(initial={"language": message_language(learner_id)})
    context: dict[str, Any] = {"account": request.user, "language_form": form}
    if learner_id is not None:
        context["claims"] = claims_of(learner_id)
        context["eligibility_form"] = eligibility_form or _eligibility_form(learner_id)
        context["districts"] = districts()
    return render(request, "portal/account.html", context, status=status)


def _eligibility_form(learner_id: int) -> EligibilityDeclarationForm:
    found = learner_declared(learner_id) or {}
    return EligibilityDeclarationForm(
        initial={**found, "consent_sensitive": has_sensitive_consent(learner_id)}
    )


@require_POST
@login_required
@requires("learners.eligibility_declare")
def my_eligibility(request: HttpRequest) -> HttpResponse:
    """What I declare about myself (where I live, groups): each becomes a claim that waits
    for verification at a desk; a changed value drops its verification. The disability is
    kept only with the separate consent for sensitive information; unticking it erases it."""
    form = EligibilityDeclarationForm(request.POST)
    if not form.is_valid():
        return _account_page(request, eligibility_form=form, status=400)
    data = form.cleaned_data
    try:
        eligibility_declare(
            actor=Actor(int(str(request.user.pk))),
            district_code=data.get("district_code") or "",
            disability=bool(data.get("disability")),
            low_income=bool(data.get("low_income")),
            multicultural=bool(data.get("multicultural")),
            sensitive_consent=bool(data.get("consent_sensitive")),
        )
    except LearncityError as exc:
        form.add_error(None, exc.message)
        return _account_page(request, eligibility_form=form, status=exc.http_status)
    messages.success(
        request, gettext("저장했습니다. 창구에서 증빙을 확인한 뒤에 감면·우선 선발에 쓰입니다")
    )
    return redirect("portal:my_account")


@require_GET
@login_required
def my_account(request: HttpRequest) -> HttpResponse:
    """What the account is and where each thing about it is changed."""
    return _account_page(request)


@require_POST
@login_required
@requires("learners.message_language_set")
def my_message_language(request: HttpRequest) -> HttpResponse:
    """The language of my SMS and e-mail messages (the page's own language is the language
    menu's, and changes nothing here)."""
    form = MessageLanguageForm(request.POST)
    if not form.is_valid():
        return _account_page(request, form, status=400)
    try:
        learner_language_set(
            actor=Actor(int(str(request.user.pk))), language=form.cleaned_data["language"]
        )
    except AccountError as exc:
        form.add_error("language", exc.message)
        return _account_page(request, form, status=exc.http_status)
    messages.success(request, gettext("알림 받을 언어를 바꿨습니다"))
    return redirect("portal:my_account")
