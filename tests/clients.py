"""Django test clients for the pages and the JSON API, signed in as an Actor or a User."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.models import User
from django.test import Client

from learncity.learners.access import Actor
from learncity.learners.services import api_token_create


def _user(who: Actor | User) -> User:
    return who if isinstance(who, User) else User.objects.get(pk=who.user_id)


def signed_in(who: Actor | User) -> Client:
    """A page client with the person signed in (no password asked)."""
    client = Client()
    client.force_login(_user(who))
    return client


def token_of(who: Actor | User) -> str:
    """A new personal API token of the person."""
    return api_token_create(_user(who).pk)


def api_call(token: str | None, method: str, path: str, body: Any = None) -> Any:
    """A JSON API request with the bearer token (or none): GET, or a method with a JSON body."""
    client = Client(HTTP_HOST="127.0.0.1")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    if method == "get":
        return client.get(path, **headers)
    return client.generic(
        method.upper(),
        path,
        data=json.dumps(body or {}),
        content_type="application/json",
        **headers,
    )
