"""`{% tr "한국어" "English" %}`: Korean first, English when the visitor chose it.

The two texts stand side by side in the template, so a page can never show a key
instead of a sentence, and no gettext tool-chain is needed to build the project.
"""

from __future__ import annotations

from django import template
from django.utils import translation

register = template.Library()


@register.simple_tag
def tr(korean: str, english: str) -> str:
    return english if translation.get_language() == "en" else korean


@register.filter
def thousands(value: int | None) -> str:
    return "–" if value is None else f"{value:,}"
