"""The satisfaction survey behind the link in the completion message (/survey/<token>):
five questions on a 5-point scale and an optional comment, answered once, without signing
in. The token is the only key: a forged or mistyped one is "not found" (404), a closed
survey says so (410), a second answer is refused (409); nothing about the person is shown."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods

from learncity.analytics.survey import (
    COMMENT_MAX,
    ITEM_LABELS,
    ITEMS,
    SurveyAlreadyAnswered,
    SurveyExpired,
    SurveyInvalid,
    SurveyUnknown,
    survey_get,
    survey_respond,
)
from learncity.learners.access import requires

SCALE = [
    ("1", format_lazy("1 · {}", pgettext_lazy("survey scale", "매우 불만족"))),
    ("2", format_lazy("2 · {}", pgettext_lazy("survey scale", "불만족"))),
    ("3", format_lazy("3 · {}", pgettext_lazy("survey scale", "보통"))),
    ("4", format_lazy("4 · {}", pgettext_lazy("survey scale", "만족"))),
    ("5", format_lazy("5 · {}", pgettext_lazy("survey scale", "매우 만족"))),
]
_REQUIRED = gettext_lazy("1~5 중 하나를 골라 주세요")


class SurveyForm(forms.Form):
    overall = forms.ChoiceField(choices=SCALE, widget=forms.RadioSelect)
    content = forms.ChoiceField(choices=SCALE, widget=forms.RadioSelect)
    instructor = forms.ChoiceField(choices=SCALE, widget=forms.RadioSelect)
    venue = forms.ChoiceField(choices=SCALE, widget=forms.RadioSelect)
    recommend = forms.ChoiceField(choices=SCALE, widget=forms.RadioSelect)
    comment = forms.CharField(
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": COMMENT_MAX}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ITEMS:
            self.fields[name].error_messages = {"required": _REQUIRED, "invalid_choice": _REQUIRED}
        self.fields["comment"].error_messages["max_length"] = gettext(
            "의견은 %(max)s자까지 쓸 수 있습니다"
        ) % {"max": COMMENT_MAX}


def _page(request: HttpRequest, context: dict[str, Any], status: int) -> HttpResponse:
    response = render(request, "portal/survey/survey.html", context, status=status)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"  # the token never leaves in a Referer
    return response


@require_http_methods(["GET", "POST"])
@requires("analytics.survey_answer")
def survey(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = survey_get(token)
    except SurveyUnknown:
        return _page(request, {"state": "unknown"}, 404)
    context: dict[str, Any] = {"title": invitation["title"], "state": invitation["state"]}
    if invitation["state"] == "answered":
        return _page(request, context, 409 if request.method == "POST" else 200)
    if invitation["state"] == "expired":
        return _page(request, context, 410)
    form = SurveyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            survey_respond(
                token=token,
                answers={name: data[name] for name in ITEMS},
                comment=data.get("comment") or "",
            )
        except SurveyAlreadyAnswered:
            return _page(request, {**context, "state": "answered"}, 409)
        except SurveyExpired:
            return _page(request, {**context, "state": "expired"}, 410)
        except SurveyInvalid as exc:
            form.add_error(None, exc.message)
        else:
            return _page(request, {**context, "state": "thanks"}, 200)
    questions = [(form[name], ITEM_LABELS[name]) for name in ITEMS]
    status = 422 if request.method == "POST" else 200
    return _page(request, {**context, "form": form, "questions": questions}, status)
