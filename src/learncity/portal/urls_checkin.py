"""Routes of the checkin pages (included by learncity.portal.urls under the "portal" namespace)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
