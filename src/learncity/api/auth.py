"""Who calls the signed-in endpoints of the JSON API v1: the browser session (with its CSRF
token on POST) or a personal API token (`Authorization: Bearer lc_...`)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, django_auth

from learncity.learners.access import Actor
from learncity.learners.services import api_token_user


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> int | None:
        found = api_token_user(token)
        if found is None:
            return None
        request.learncity_user_id, request.learncity_learner_id = found  # type: ignore[attr-defined]
        return found[0]


AUTH = [BearerToken(), django_auth]


def actor_of(request: HttpRequest) -> Actor:
    """The caller as an Actor: the bearer token's user, else the session's."""
    user_id: Any = getattr(request, "learncity_user_id", None)
    if user_id is None:
        user_id = request.user.pk  # the session
    return Actor(int(user_id))
