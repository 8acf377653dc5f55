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


@register.simple_tag(takes_context=True)
def language_url(context: template.Context, language: str) -> str:
    """This page's address in the other language: the query string kept, `lang` replaced
    (so switching language never loses a search)."""
    request = context.get("request")
    if request is None:
        return f"?lang={language}"
    query = request.GET.copy()
    query["lang"] = language
    return f"?{query.urlencode()}"
