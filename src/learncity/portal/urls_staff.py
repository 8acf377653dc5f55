"""Routes of the staff pages (included by learncity.portal.urls under the "portal" namespace)."""

from django.urls import URLPattern, path
from django.views.generic import RedirectView

from learncity.learners.access import requires
from learncity.portal import eligibility_staff, staff, venues_staff

urlpatterns: list[URLPattern] = [
    path(
        "staff/",
        requires("portal.navigate")(RedirectView.as_view(pattern_name="portal:staff_home")),
        name="staff",
    ),
    path("staff/offers", staff.offers, name="staff_offers"),
    path("staff/offers/new", staff.offer_new, name="staff_offer_new"),
    path("staff/offers/<int:pk>", staff.offer_detail, name="staff_offer"),
    path("staff/offers/<int:pk>/replay", staff.offer_replay, name="staff_offer_replay"),
    path("staff/offers/<int:pk>/draw", staff.offer_draw, name="staff_offer_draw"),
    path(
        "staff/offers/<int:pk>/applications/<int:application_id>/cancel",
        staff.application_cancel,
        name="staff_application_cancel",
    ),
    path("staff/offers/<int:pk>/desk", staff.desk, name="staff_desk"),
    path("staff/venues", venues_staff.venues, name="staff_venues"),
    path("staff/eligibility", eligibility_staff.eligibility_page, name="staff_eligibility"),
    path("staff/venues/<int:pk>/locate", venues_staff.venue_locate, name="staff_venue_locate"),
]
