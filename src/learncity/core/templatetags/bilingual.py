"""Template helpers for the two languages (Korean first, English on the switch).

Interface text goes through Django's translation machinery: `{% translate "한국어" %}`
with the Korean as msgid and the English in `learncity/locale/en/LC_MESSAGES/django.po`
(`django.templatetags.i18n` is a builtin, no `{% load i18n %}` needed). Here:
`vocab` (a fixed word that comes from data: weekday, target group, area), `thousands`,
and `language_url` (the language switch keeping the query string).
"""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def vocab(value: object, kind: str = "") -> str:
    """A vocabulary word (core.vocabulary: weekdays, target groups, areas and their codes,
    선착순/추첨) in the page's language; any other value (a title, a place) as it is."""
    from learncity.core.vocabulary import word

    return word(value, kind)


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
