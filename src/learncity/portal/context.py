"""Template context for every portal page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from learncity.learners.selectors import has_staff_role


def staff_area(request: HttpRequest) -> dict[str, Any]:
    """`staff_member`: true for a signed-in user with a staff role, asked only when a page
    shows the account menu."""
    user = getattr(request, "user", None)

    def known() -> bool:
        return bool(user is not None and user.is_authenticated and has_staff_role(user.pk))

    return {"staff_member": SimpleLazyObject(known)}
