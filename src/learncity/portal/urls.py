from django.urls import path

from learncity.portal import (
    accounts,
    city,
    enrolment,
    urls_checkin,
    urls_citizen,
    urls_records,
    urls_staff,
    urls_staff_admin,
    urls_survey,
    urls_vouchers,
    views,
)

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("search", views.search, name="search"),
    path("programmes/<int:pk>", views.programme, name="programme"),
    path("programmes/<int:pk>.ics", views.programme_ics, name="programme_ics"),
    path("programmes/<int:pk>/apply", enrolment.apply, name="apply"),
    path("institutions/<int:pk>", views.institution, name="institution"),
    path("venues/<int:pk>", views.venue, name="venue"),
    path("healthz", views.health, name="health"),
    path("city/emblem", city.emblem, name="city_emblem"),
    # accounts
    path("accounts/signup", accounts.sign_up, name="signup"),
    path(
        "accounts/signup/neighbourhoods",
        accounts.neighbourhood_options,
        name="neighbourhood_options",
    ),
    path("accounts/login", accounts.LoginView.as_view(), name="login"),
    path("accounts/logout", accounts.LogoutView.as_view(), name="logout"),
    path("accounts/password-reset", accounts.password_reset, name="password_reset"),
    path("accounts/password-reset/sent", accounts.password_reset_sent, name="password_reset_sent"),
    path(
        "accounts/reset/<uidb64>/<token>",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    # my applications
    path("me/applications", enrolment.my_applications, name="my_applications"),
    path(
        "me/applications/<int:pk>/<str:action>",
        enrolment.application_change,
        name="application_change",
    ),
]
urlpatterns += urls_staff.urlpatterns + urls_checkin.urlpatterns
urlpatterns += urls_staff_admin.urlpatterns
urlpatterns += urls_records.urlpatterns
urlpatterns += urls_vouchers.urlpatterns
urlpatterns += urls_survey.urlpatterns
urlpatterns += urls_citizen.urlpatterns
