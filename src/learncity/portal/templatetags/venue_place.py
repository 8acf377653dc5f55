"""How precisely a venue's place is known, in plain words (issue 18): `{% load venue_place %}`
then `{{ precision|location_words }}` or `{{ precision|location_words:label }}` (the 동 or
district the point stands for, e.g. 일원동)."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext, gettext_lazy

register = template.Library()

PRECISION_WORDS = {
    "exact": gettext_lazy("건물 위치까지 알려져 있어요"),
    "neighbourhood": gettext_lazy("위치가 동 단위로만 알려져 있어요"),
    "district": gettext_lazy("위치가 시·군·구 단위로만 알려져 있어요"),
    "unknown": gettext_lazy("위치를 알 수 없어요"),
}
SOURCE_WORDS = {
    "staff": gettext_lazy("담당자가 지도에서 지정"),
    "venue_file": gettext_lazy("교육장 좌표 파일"),
    "geocoder": gettext_lazy("주소 좌표 변환 서비스"),
    "address": gettext_lazy("주소에 적힌 동"),
    "name": gettext_lazy("교육장 이름의 동"),
    "district": gettext_lazy("시·군·구 중심"),
    "": gettext_lazy("알 수 없음"),
}


def location_words_of(precision: str, label: str = "") -> str:
    words = str(PRECISION_WORDS.get(precision or "unknown", PRECISION_WORDS["unknown"]))
    if label and precision in {"neighbourhood", "district"}:
        return gettext("%(words)s (%(place)s)") % {"words": words, "place": label}
    return words


@register.filter
def location_words(precision: str, label: str = "") -> str:
    return location_words_of(str(precision or ""), str(label or ""))


@register.filter
def location_source_words(source: str) -> str:
    return str(SOURCE_WORDS.get(str(source or ""), source))
