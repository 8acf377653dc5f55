"""Who calls the signed-in endpoints of the JSON API v1: the browser session (with its CSRF
token on POST) or a personal API token (`Authorization: Bearer lc_...`). A token that is
revoked or expired authenticates nobody (401); a read-scope token making a request other
than GET/HEAD/OPTIONS is refused before the endpoint runs (403 `token_scope`)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext
from ninja.security import HttpBearer, django_auth

from learncity.learners.access import Actor
from learncity.learners.services import TokenScopeRefused, api_token_holder


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> int | None:
        found = api_token_holder(token)
        if found is None:
            return None
        if not found.may(request.method or ""):
            raise TokenScopeRefused(
                gettext("이 API 토큰은 읽기만 할 수 있습니다 (읽기와 쓰기 토큰을 발급받으세요)"),
                details={"scope": found.scope},
            )
        request.learncity_user_id = found.user_id  # type: ignore[attr-defined]
        request.learncity_learner_id = found.learner_id  # type: ignore[attr-defined]
        return found.user_id


AUTH = [BearerToken(), django_auth]


def actor_of(request: HttpRequest) -> Actor:
    """The caller as an Actor: the bearer token's user, else the session's."""
    user_id: Any = getattr(request, "learncity_user_id", None)
    if user_id is None:
        user_id = request.user.pk  # the session
    return Actor(int(user_id))
