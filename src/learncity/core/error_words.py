"""An error's `message` in the reader's language, its `code` unchanged.

The services raise errors with their own words: Korean msgids through gettext (so they
arrive in the request's language), or an English sentence for developers (`no programme
5`). Where the message is not in the reader's language (no Hangul in a Korean answer,
Hangul in an English one), the reader gets the words of the error's stable code in their
language instead, and the service's own text moves to `details["reason"]`.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy

_HANGUL = re.compile("[\uac00-\ud7a3]")

CODE_WORDS = {
    "not_found": gettext_lazy("찾을 수 없습니다"),
    "forbidden": gettext_lazy("이 일을 할 권한이 없습니다"),
    "unauthorized": gettext_lazy("로그인하거나 API 토큰을 보내 주세요"),
    "invalid_request": gettext_lazy("요청 값이 올바르지 않습니다"),
    "rate_limited": gettext_lazy("요청이 너무 많습니다. 1분 뒤에 다시 해 주세요"),
    "invalid_state": gettext_lazy("지금 상태에서는 할 수 없습니다"),
    "idempotency_conflict": gettext_lazy(
        "이 요청 키는 이미 다른 요청에 쓰였습니다. 새 키로 다시 보내 주세요"
    ),
    "window_closed": gettext_lazy("지금은 신청 기간이 아닙니다"),
    "already_applied": gettext_lazy("이미 이 강좌에 신청했습니다"),
    "not_eligible": gettext_lazy("이 강좌의 신청 대상이 아닙니다"),
    "limit_reached": gettext_lazy("이번 학기에 신청할 수 있는 강좌 수를 넘었습니다"),
    "course_ended": gettext_lazy("끝난 강좌에는 신청할 수 없습니다"),
    "invalid_search": gettext_lazy("검색 조건을 확인해 주세요"),
    "search_rebuilding": gettext_lazy("검색 색인을 만드는 중입니다. 잠시 후 다시 검색해 주세요."),
    "invalid_amount": gettext_lazy("금액이 올바르지 않습니다"),
    "insufficient_balance": gettext_lazy("이용권 잔액이 모자랍니다"),
    "voucher_expired": gettext_lazy("이용권 사용 기간이 끝났습니다"),
    "voucher_not_eligible": gettext_lazy("이용권의 지급 대상이 아닙니다"),
    "session_cancelled": gettext_lazy("휴강한 회차에는 출석을 기록하지 않습니다"),
    "survey_unknown": gettext_lazy("이 설문 링크를 찾을 수 없습니다"),
    "survey_expired": gettext_lazy("설문 기간이 끝났습니다"),
    "survey_already_answered": gettext_lazy("이미 응답한 설문입니다"),
    "confirmation_required": gettext_lazy("확인 문구를 입력해 주세요"),
    "offer_exists": gettext_lazy("이 일정에는 이미 수강신청이 열려 있습니다"),
    "enrollment_error": gettext_lazy("수강신청 설정을 확인해 주세요"),
    "already_refunded": gettext_lazy("이미 환불한 결제입니다"),
    "already_redeemed": gettext_lazy("이미 처리한 결제입니다"),
    "already_issued": gettext_lazy("이미 발급했습니다"),
    "institution_not_registered": gettext_lazy("이 이용권을 쓸 수 있는 기관이 아닙니다"),
    "not_tuition": gettext_lazy("이용권은 수강료와 교재비에만 쓸 수 있습니다"),
    "voucher_not_valid_yet": gettext_lazy("이용권 사용 기간이 아직 시작되지 않았습니다"),
    "voucher_error": gettext_lazy("이용권 요청을 처리할 수 없습니다"),
    "settlement_refused": gettext_lazy("정산할 수 없습니다"),
    "scope_mismatch": gettext_lazy("맡은 범위 밖의 일입니다"),
    "duplicate_person": gettext_lazy("이미 가입한 사람입니다"),
    "person_not_found": gettext_lazy("그런 사람을 찾을 수 없습니다"),
    "no_learner_profile": gettext_lazy("학습자 정보가 없는 계정입니다"),
    "unknown_user": gettext_lazy("그런 계정이 없습니다"),
    "unknown_role": gettext_lazy("그런 역할이 없습니다"),
    "unknown_district": gettext_lazy("그런 시·군·구가 없습니다"),
    "unknown_institution": gettext_lazy("그런 기관이 없습니다"),
    "token_not_found": gettext_lazy("그런 API 토큰이 없습니다"),
    "already_checked_in": gettext_lazy("이미 출석을 확인했습니다"),
    "checkin_closed": gettext_lazy("출석 확인 시간이 지났습니다"),
    "checkin_not_open": gettext_lazy("아직 출석 확인 시간이 아닙니다"),
    "checkin_token_invalid": gettext_lazy("출석 코드를 알아볼 수 없습니다"),
    "checkin_token_revoked": gettext_lazy("더는 쓸 수 없는 출석 코드입니다"),
    "checkin_wrong_venue": gettext_lazy("다른 교육장의 수업입니다"),
    "no_session_now": gettext_lazy("지금 이 교육장에 수업이 없습니다"),
    "report_invalid": gettext_lazy("보고서 조건을 확인해 주세요"),
    "indicator_filter_invalid": gettext_lazy("지표 조건을 확인해 주세요"),
    "input_file_error": gettext_lazy("파일을 읽을 수 없습니다"),
    "database_unavailable": gettext_lazy(
        "데이터베이스가 응답하지 않습니다. 잠시 뒤에 다시 해 주세요"
    ),
    "http_error": gettext_lazy("요청을 처리할 수 없습니다"),
}
GENERAL = gettext_lazy("요청을 처리할 수 없습니다")


def in_reader_language(message: str) -> bool:
    korean = translation.get_language() != "en"
    return bool(_HANGUL.search(message)) == korean


def error_body(code: str, message: object, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """`{"code", "message", "details"}` with the message in the active language."""
    text = str(message)
    details = dict(details or {})
    if not in_reader_language(text):
        details.setdefault("reason", text)
        text = str(CODE_WORDS.get(code, GENERAL))
    return {"code": code, "message": text, "details": details}


def refusal_text(words: object, message: object) -> str:
    """A page's refusal: the words of the refusal in the page's language, then the
    service's own message when it says more (the details a form or a person needs)."""
    head, detail = str(words), str(message or "").strip()
    if not detail or detail == head or detail in head:
        return head
    return f"{head}: {detail}"
