"""Route of the satisfaction survey page (included by learncity.portal.urls under the
"portal" namespace)."""

from django.urls import URLPattern, path

from learncity.portal import survey

urlpatterns: list[URLPattern] = [
    path("survey/<str:token>", survey.survey, name="survey"),
]
