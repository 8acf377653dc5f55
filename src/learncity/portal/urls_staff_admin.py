"""Routes of the city office's own pages (included by learncity.portal.urls under the
"portal" namespace): the landing after sign-in, the staff home, staff management, the
invitation's link, API tokens, the quarantined import rows and the personal-data
access log."""

from django.urls import URLPattern, path

from learncity.portal import access_log, staff_admin

urlpatterns: list[URLPattern] = [
    path("accounts/landing", staff_admin.landing, name="landing"),
    path("accounts/invitation/<str:token>", staff_admin.invitation_accept, name="invitation"),
    path("staff/home", staff_admin.staff_home, name="staff_home"),
    path("staff/people", staff_admin.people, name="staff_people"),
    path(
        "staff/people/roles/<int:pk>/withdraw",
        staff_admin.role_withdraw,
        name="staff_role_withdraw",
    ),
    path(
        "staff/people/invitations/<int:pk>/revoke",
        staff_admin.invitation_revoke,
        name="staff_invitation_revoke",
    ),
    path("staff/imports/quarantine", staff_admin.quarantine, name="staff_quarantine"),
    path("staff/access-log", access_log.access_log, name="staff_access_log"),
    path("me/tokens", staff_admin.tokens, name="tokens"),
    path("me/tokens/<int:pk>/revoke", staff_admin.token_revoke, name="token_revoke"),
]
