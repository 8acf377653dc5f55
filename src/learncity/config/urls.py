import os

from django.urls import include, path
from django.views.i18n import set_language

from learncity.api import attendance as attendance_api
from learncity.api import credentials as credentials_api
from learncity.api import enrollment as enrollment_api
from learncity.api import records as records_api
from learncity.api import vouchers as vouchers_api
from learncity.api.v1 import api as api_v1

enrollment_api.install(api_v1)  # the enrolment endpoints live beside the catalog's
attendance_api.install(api_v1)  # check-in, attendance, completion (issue 6)
vouchers_api.install(api_v1)  # vouchers, settlement, project budgets (issue 7)
credentials_api.install(api_v1)  # verifying credentials (issue 7)
records_api.install(api_v1)  # the learner's record, transcript, credentials, data (issue 7)

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/v1/", api_v1.urls),
    path("console/", include("learncity.console.urls")),
    path("", include("learncity.portal.urls")),
]

if os.environ.get("LEARNCITY_BENCH_ENDPOINTS") == "1":  # learncity bench rush / checkin only
    from learncity.api.baseline import checkin_baseline, seat_baseline

    urlpatterns.insert(0, path("bench/seat/<int:offer_id>", seat_baseline))
    urlpatterns.insert(
        0, path("bench/checkin/<int:session_id>/<int:application_id>", checkin_baseline)
    )
