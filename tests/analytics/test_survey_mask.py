"""Masking personal data in survey comments (no database): phone numbers in the ways
people write them, e-mail addresses, names given and names before an honorific."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learncity.analytics.survey import MASK, mask_personal

PLAIN = st.text(
    alphabet=st.sampled_from(list("가나다라마바사아자차카타파하 강좌좋았어요!?.,")), max_size=40
)


@pytest.mark.parametrize(
    "phone",
    ["010-1234-5678", "01012345678", "010 1234 5678", "010.1234.5678", "+82 10 1234 5678",
     "+82-10-1234-5678", "02-3423-5288", "02)3423-5288", "031-123-4567", "3423-5288"],
)  # fmt: skip
def test_phone_numbers(phone: str) -> None:
    masked = mask_personal(f"연락처 {phone} 입니다")
    assert masked == "연락처 [전화번호·phone] 입니다"


@pytest.mark.parametrize("email", ["a@b.co", "park.ji-sung+lc@example.co.kr", "한글@메일.한국"])
def test_email_addresses(email: str) -> None:
    assert mask_personal(f"메일은 {email} 으로") == "메일은 [이메일·e-mail] 으로"
    if email.isascii():  # a particle written onto a Latin address is kept
        assert mask_personal(f"메일은 {email}로") == "메일은 [이메일·e-mail]로"


def test_names_given_and_before_honorifics() -> None:
    assert mask_personal("주은미 강사님 최고", ["주은미"]) == f"{MASK} 강사님 최고"
    assert mask_personal("은미 쌤 최고", ["주은미"]) == f"{MASK} 쌤 최고"
    assert mask_personal("김철수 씨도 왔어요") == f"{MASK} 씨도 왔어요"
    assert mask_personal("홍길동선생님 감사") == f"{MASK}선생님 감사"
    # role words before an honorific name no one
    assert (
        mask_personal("선생님, 회원님들, 강사님 모두 감사") == "선생님, 회원님들, 강사님 모두 감사"
    )
    assert mask_personal("Brian Stuart 선생님", ["Brian Stuart"]) == f"{MASK} 선생님"
    assert mask_personal("", ["주은미"]) == ""


def test_numbers_that_are_not_phones_stay() -> None:
    text = "2026년 5월 6회 수업, 36000원, 20명"
    assert mask_personal(text) == text


@settings(max_examples=200, deadline=None)
@given(
    PLAIN,
    PLAIN,
    st.sampled_from(["010", "011", "016", "019"]),
    st.integers(1000, 9999),
    st.integers(0, 9999),
    st.sampled_from(["-", " ", ".", ""]),
)
def test_any_mobile_number_is_masked(
    before: str, after: str, prefix: str, middle: int, last: int, sep: str
) -> None:
    phone = f"{prefix}{sep}{middle}{sep}{last:04d}"
    masked = mask_personal(f"{before} {phone} {after}")
    assert phone not in masked
    assert str(middle) not in masked.replace(before, "").replace(after, "")


@settings(max_examples=200, deadline=None)
@given(
    PLAIN,
    st.from_regex(r"[a-z][a-z0-9._]{0,10}@[a-z]{1,8}\.(com|kr|net)", fullmatch=True),
)
def test_any_email_is_masked(before: str, email: str) -> None:
    assert email not in mask_personal(f"{before} {email} 감사")


@settings(max_examples=200, deadline=None)
@given(
    PLAIN,
    st.lists(st.text(alphabet="김이박최정강조윤장임한오서신권황안송", min_size=3, max_size=3)),
)
def test_masking_is_idempotent_and_removes_given_names(text: str, names: list[str]) -> None:
    once = mask_personal(f"{text} {' '.join(names)}", names)
    assert mask_personal(once, names) == once
    for name in names:
        assert name not in once
