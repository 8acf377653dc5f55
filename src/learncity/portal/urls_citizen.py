"""The citizen's privacy policy and account page, the desk's payment mark and
the staff page of notices (issue 18)."""

from django.urls import URLPattern, path

from learncity.portal import citizen, notices, staff_payments

urlpatterns: list[URLPattern] = [
    path("privacy", citizen.privacy, name="privacy"),
    path("me/account", citizen.my_account, name="my_account"),
    path("me/account/language", citizen.my_message_language, name="my_message_language"),
    path("me/account/eligibility", citizen.my_eligibility, name="my_eligibility"),
    path(
        "staff/offers/<int:pk>/applications/<int:application_id>/paid",
        staff_payments.payment_mark,
        name="staff_payment_mark",
    ),
    path("staff/notices", notices.notices, name="staff_notices"),
    path("staff/notices/<int:pk>/withdraw", notices.notice_withdrawn, name="staff_notice_withdraw"),
]
