from django.urls import path

from learncity.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.health, name="health"),
]
