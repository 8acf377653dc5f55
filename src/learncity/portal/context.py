"""Template context for every portal page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from learncity.learners.access import Actor, allowed


def staff_area(request: HttpRequest) -> dict[str, Any]:
    """`staff_member`: true for a signed-in user who may enter the staff pages (any staff
    role: the policy's `portal.staff_enter`), asked only when a page shows the account menu."""
    user = getattr(request, "user", None)

    def known() -> bool:
        if user is None or not user.is_authenticated:
            return False
        return allowed(Actor(int(user.pk)), "portal.staff_enter")

    return {"staff_member": SimpleLazyObject(known)}
