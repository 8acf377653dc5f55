"""Routes of the checkin pages (included by learncity.portal.urls under the "portal" namespace):
the kiosk of a venue (its JSON check-in for kiosk.js on a paired device, pairing a device,
the staff pages of paired kiosks) and the instructor's roster. The learner's check-in code and its
printable card are actions of /me/applications/<id>/ (learncity.portal.enrolment)."""

from django.urls import URLPattern, path

from learncity.portal import checkin_link, kiosk, kiosk_devices, roster

urlpatterns: list[URLPattern] = [
    path("kiosk/<int:venue_id>", kiosk.kiosk, name="kiosk"),
    path("kiosk/<int:venue_id>/checkins", kiosk.kiosk_checkins, name="kiosk_checkins"),
    path("kiosk/pair/<str:code>", kiosk_devices.kiosk_pair, name="kiosk_pair"),
    path("staff/kiosks", kiosk_devices.kiosks, name="staff_kiosks"),
    path("staff/kiosks/<int:pk>/revoke", kiosk_devices.kiosk_revoke, name="staff_kiosk_revoke"),
    path("checkin/<str:token>", checkin_link.checkin_code, name="checkin_code"),
    path("staff/sessions", roster.sessions, name="staff_sessions"),
    path("staff/sessions/<int:pk>", roster.session, name="staff_session"),
    path("staff/sessions/<int:pk>/sheet", roster.sheet, name="staff_session_sheet"),
    path("staff/sessions/<int:pk>/attendance", roster.mark, name="staff_session_mark"),
    path("staff/sessions/<int:pk>/status", roster.status, name="staff_session_status"),
    path("staff/sessions/<int:pk>/completion", roster.completion, name="staff_session_completion"),
]
