"""The console's pages under /console/ (staff only). Each area adds its own url module."""

from django.urls import URLPattern, URLResolver, include, path

app_name = "console"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("learncity.console.urls_analytics")),
    path("", include("learncity.console.urls_planning")),
]
