"""Settings of the benchmarks' own server (`learncity bench rush`, `learncity bench checkin`):
the platform's settings, with the URL configuration that adds the bare-bones baselines
(learncity.config.urls_bench). The benches start `learncity serve` with
DJANGO_SETTINGS_MODULE=learncity.config.settings_bench on a scratch database.

Never a deployment's settings: the baselines are unauthenticated, CSRF-exempt writes. The
platform's own settings (learncity.config.settings) mount them under no environment variable.
"""

from learncity.config.settings import *  # noqa: F403 - the platform's settings, one change

ROOT_URLCONF = "learncity.config.urls_bench"
