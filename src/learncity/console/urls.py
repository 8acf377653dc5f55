"""The console's pages under /console/ (staff only). Each area adds its own url module."""

from django.urls import URLPattern, URLResolver

app_name = "console"

urlpatterns: list[URLPattern | URLResolver] = []
