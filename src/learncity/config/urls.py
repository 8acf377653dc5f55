"""The platform's URLs: the pages, the console and the JSON API v1. The benchmarks' baselines
are not here: only learncity.config.urls_bench (the bench settings) adds them."""

from django.urls import URLPattern, URLResolver, include, path

from learncity.api import attendance as attendance_api
from learncity.api import credentials as credentials_api
from learncity.api import enrollment as enrollment_api
from learncity.api import records as records_api
from learncity.api import vouchers as vouchers_api
from learncity.api.v1 import api as api_v1
from learncity.demo.views import demo_home
from learncity.portal.views import language_set

enrollment_api.install(api_v1)  # the enrolment endpoints live beside the catalog's
attendance_api.install(api_v1)  # check-in, attendance, completion (issue 6)
vouchers_api.install(api_v1)  # vouchers, settlement, project budgets (issue 7)
credentials_api.install(api_v1)  # verifying credentials (issue 7)
records_api.install(api_v1)  # the learner's record, transcript, credentials, data (issue 7)

urlpatterns: list[URLPattern | URLResolver] = [
    path("i18n/setlang/", language_set, name="set_language"),
    path("api/v1/", api_v1.urls),
    path("console/", include("learncity.console.urls")),
    path("demo/", demo_home, name="demo_home"),  # demo mode only: the demo accounts
    path("", include("learncity.portal.urls")),
]

# the error pages in the site's layout and language (500: no database, no request context)
handler403 = "learncity.portal.errors.forbidden"
handler404 = "learncity.portal.errors.not_found"
handler500 = "learncity.portal.errors.server_error"
