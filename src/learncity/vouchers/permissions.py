"""Who may do what with vouchers, programmes, settlements and projects (staff roles are
read through learners.selectors)."""

from __future__ import annotations

from learncity.learners.access import Actor
from learncity.learners.selectors import staff_roles_of

CITY_ADMIN = "city_admin"
DISTRICT_OFFICER = "district_officer"
INSTITUTION_STAFF = "institution_staff"
AUDITOR = "auditor"


def may_manage_programme(actor: Actor, district_code: str) -> bool:
    """Create programmes, register institutions, issue and expire vouchers, settle: a city
    administrator; a district officer for the district's own programme."""
    for role, _, district in staff_roles_of(actor.user_id):
        if role == CITY_ADMIN:
            return True
        if role == DISTRICT_OFFICER and district and district == district_code:
            return True
    return False


def may_take_payment(actor: Actor, institution_id: int) -> bool:
    """Redeem or refund at an institution (desk, telephone): its staff or a city admin."""
    for role, institution, _ in staff_roles_of(actor.user_id):
        if role == CITY_ADMIN:
            return True
        if role == INSTITUTION_STAFF and institution == institution_id:
            return True
    return False


def may_read_institution(actor: Actor, institution_id: int, district_code: str) -> bool:
    """The settlement report of an institution: its staff, the district's officer, a city
    administrator, an auditor."""
    for role, institution, district in staff_roles_of(actor.user_id):
        if role in (CITY_ADMIN, AUDITOR):
            return True
        if role == DISTRICT_OFFICER and district and district == district_code:
            return True
        if role == INSTITUTION_STAFF and institution == institution_id:
            return True
    return False


def may_read_project(actor: Actor, district_code: str) -> bool:
    for role, _, district in staff_roles_of(actor.user_id):
        if role in (CITY_ADMIN, AUDITOR):
            return True
        if role == DISTRICT_OFFICER and district and district == district_code:
            return True
    return False
