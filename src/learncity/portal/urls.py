from django.urls import path

from learncity.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("search", views.search, name="search"),
    path("programmes/<int:pk>", views.programme, name="programme"),
    path("programmes/<int:pk>.ics", views.programme_ics, name="programme_ics"),
    path("institutions/<int:pk>", views.institution, name="institution"),
    path("venues/<int:pk>", views.venue, name="venue"),
    path("healthz", views.health, name="health"),
]
