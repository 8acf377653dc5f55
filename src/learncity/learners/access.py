"""Who may do what, for every context: the actor behind a request, their roles (one query),
and the questions the pages, API operations and services ask the one access policy.

The rules themselves are a table in `learncity.algorithms.access_policy` (pure, tested role by
role in tests/access); nothing else in the code compares role names. A service asks

    roles = roles_of(actor)
    require(roles, "enrollment.offer_manage", Scope(institution_id=..., district_code=...),
            refusal=Forbidden("you may not manage enrolment for this institution"))

and a page or API operation that changes anything declares its actions with `@requires(...)`
(tests/access fails for one that does not)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from learncity.algorithms import access_policy
from learncity.algorithms.access_policy import NOBODY, WHOLE, Grant, Reach, Roles, Scope
from learncity.learners.selectors import staff_roles_of

__all__ = [
    "NOBODY",
    "SIGNED_IN",
    "WHOLE",
    "Actor",
    "Reach",
    "Roles",
    "Scope",
    "actions_of",
    "allowed",
    "holds_role_for",
    "reach_of",
    "require",
    "requires",
    "roles_from_rows",
    "roles_of",
]

ACTIONS_ATTRIBUTE = "access_actions"
T = TypeVar("T")


@dataclass(frozen=True)
class Actor:
    """The person behind a request: a user id (citizen or staff)."""

    user_id: int


def roles_from_rows(rows: Iterable[Sequence[Any]]) -> Roles:
    """A signed-in person's roles from (role, institution id, district code) rows: what
    `learners.selectors.staff_roles_of` returns and `learners.sql.ROLES_OF_USER` reads."""
    return Roles(
        grants=tuple(
            Grant(str(role), institution, district or "") for role, institution, district in rows
        )
    )


def roles_of(actor: Actor | None) -> Roles:
    """The roles of the actor (one query); None, nobody signed in: `NOBODY`."""
    if actor is None:
        return NOBODY
    return roles_from_rows(staff_roles_of(actor.user_id))


def _roles(who: Actor | Roles | None) -> Roles:
    return who if isinstance(who, Roles) else roles_of(who)


SIGNED_IN = Roles()  # someone signed in, before their staff roles are read


def allowed(who: Actor | Roles | None, action: str, scope: Scope = WHOLE) -> bool:
    """Whether the actor (or the roles already loaded) may do `action` on `scope`. What
    anyone (signed in) may do is answered before the roles are read."""
    if not isinstance(who, Roles):
        if access_policy.may(NOBODY if who is None else SIGNED_IN, action, scope):
            return True
        if who is None:
            return False
    return access_policy.may(_roles(who), action, scope)


def require(
    who: Actor | Roles | None, action: str, scope: Scope = WHOLE, *, refusal: Exception
) -> None:
    """Raise `refusal` (the context's Forbidden, with its words) unless allowed."""
    if not allowed(who, action, scope):
        raise refusal


def reach_of(who: Actor | Roles | None, action: str) -> Reach:
    """Where the actor may do `action`: the filters of a list of many objects."""
    return access_policy.reach(_roles(who), action)


def holds_role_for(who: Actor | Roles | None, action: str) -> bool:
    """Whether the actor holds a staff role the action's row names, wherever it is held."""
    return access_policy.holds_role_for(_roles(who), action)


def requires(*actions: str) -> Callable[[T], T]:
    """Declare the actions a page (a view function or class) or an API operation does.
    Declaring checks nothing by itself: the services and selectors it calls ask the policy
    with the object's scope. tests/access requires a declaration on every page and operation
    that accepts POST, PUT, PATCH or DELETE, and requests each as every role."""
    for action in actions:
        access_policy.rules_of(action)  # an action without a row fails at import

    def declare(view: T) -> T:
        setattr(view, ACTIONS_ATTRIBUTE, tuple(actions))
        return view

    return declare


def actions_of(view: Any) -> tuple[str, ...]:
    """The actions a view declared (a class-based view's on its class)."""
    found = getattr(view, ACTIONS_ATTRIBUTE, None)
    if found is None:
        found = getattr(getattr(view, "view_class", None), ACTIONS_ATTRIBUTE, None)
    return tuple(found or ())
