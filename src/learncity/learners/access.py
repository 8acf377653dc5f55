"""Who may do what: the actor behind a request and the staff roles, scoped to an institution
or a district (one access policy for every context; issue 17)."""

from __future__ import annotations

from dataclasses import dataclass

from learncity.learners.models import StaffRole

MANAGING = {
    StaffRole.Role.INSTITUTION_STAFF,
    StaffRole.Role.DISTRICT_OFFICER,
    StaffRole.Role.CITY_ADMIN,
}


@dataclass(frozen=True)
class Actor:
    """The person behind a request: a user id (citizen or staff)."""

    user_id: int


def roles_of(actor: Actor) -> list[tuple[str, int | None, str]]:
    return list(
        StaffRole.objects.filter(user_id=actor.user_id).values_list(
            "role", "institution_id", "district_code"
        )
    )


def can_manage(actor: Actor, institution_id: int | None, district_code: str) -> bool:
    """Institution staff of that institution, the district's officer, a city administrator.
    Instructors and auditors never change enrolment."""
    for role, institution, district in roles_of(actor):
        if role == StaffRole.Role.CITY_ADMIN:
            return True
        if role == StaffRole.Role.DISTRICT_OFFICER and district and district == district_code:
            return True
        if (
            role == StaffRole.Role.INSTITUTION_STAFF
            and institution is not None
            and institution == institution_id
        ):
            return True
    return False


def can_read(actor: Actor, institution_id: int | None, district_code: str) -> bool:
    """Managing staff, the institution's instructors and auditors may read."""
    if can_manage(actor, institution_id, district_code):
        return True
    for role, institution, _ in roles_of(actor):
        if role == StaffRole.Role.AUDITOR:
            return True
        if role == StaffRole.Role.INSTRUCTOR and institution == institution_id:
            return True
    return False
