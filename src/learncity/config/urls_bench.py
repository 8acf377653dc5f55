"""The URL configuration of the benchmarks' server (learncity.config.settings_bench only):
the platform's URLs, and before them the bare-bones baselines the benches compare against
(learncity.config.bench_views)."""

from django.urls import URLPattern, URLResolver, path

from learncity.config import urls
from learncity.config.bench_views import checkin_baseline, seat_baseline

urlpatterns: list[URLPattern | URLResolver] = [
    path("bench/checkin/<int:session_id>/<int:application_id>", checkin_baseline),
    path("bench/seat/<int:offer_id>", seat_baseline),
    *urls.urlpatterns,
]
