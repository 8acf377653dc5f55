"""Every page and API operation that can change anything, found by asking the application
(not from a list someone keeps): the pages are every URL pattern outside the API whose view
does not answer 405 to POST, PUT, PATCH or DELETE, the operations every operation of the
OpenAPI document with one of those methods."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

UNSAFE = ("post", "put", "patch", "delete")


@dataclass(frozen=True)
class Page:
    name: str  # the URL name with its namespace, e.g. "portal:apply"
    route: str  # the pattern, e.g. "programmes/<int:pk>/apply"
    view: Callable[..., Any]

    def sample_path(self) -> str:
        """A path of the pattern, with 1 for numbers and x for words."""

        def fill(match: re.Match[str]) -> str:
            return "1" if match.group(1) == "int" else "x"

        return "/" + re.sub(r"<(?:(\w+):)?\w+>", fill, self.route)


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str  # lower case
    path: str  # as the OpenAPI document writes it: /api/v1/offers/{offer_id}/draw
    view: Callable[..., Any]


def api() -> Any:
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - loads the URL configuration, which mounts the routers
    from learncity.api.v1 import api as found

    return found


def pages() -> list[Page]:
    """Every URL pattern of the site outside the JSON API."""
    from django.urls import URLPattern, URLResolver, get_resolver

    namespace = api().urls_namespace

    def walk(patterns: list[Any], prefix: str, spaces: str) -> Iterator[Page]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == namespace:
                    continue
                space = spaces + (f"{pattern.namespace}:" if pattern.namespace else "")
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), space)
            elif isinstance(pattern, URLPattern):
                name = spaces + (pattern.name or "")
                yield Page(name, prefix + str(pattern.pattern), pattern.callback)

    return list(walk(get_resolver().url_patterns, "", ""))


def state_changing_pages(signed_in: Callable[[], Any]) -> list[Page]:
    """The pages that take an unsafe method: asked as a signed-in person (a new client from
    `signed_in` for each page, as one of them signs out), so that a sign-in redirect hides no
    answer; a page is state-changing unless it answers 405 to each."""
    found = []
    for page in pages():
        path = page.sample_path()
        client = signed_in()
        for method in UNSAFE:
            response = getattr(client, method)(path)
            if response.status_code != 405:
                found.append(page)
                break
    return found


def operations() -> list[Operation]:
    """Every operation of the OpenAPI document, with the view function that answers it."""
    found = api()
    views: dict[str, Callable[..., Any]] = {}
    for bound in found._get_bound_routers():
        for path_view in bound.path_operations.values():
            for operation in path_view.operations:
                key = operation.operation_id or found.get_openapi_operation_id(operation)
                views[key] = operation.view_func
    result = []
    for path, methods in found.get_openapi_schema()["paths"].items():
        for method, spec in methods.items():
            result.append(Operation(spec["operationId"], method, path, views[spec["operationId"]]))
    return result


def state_changing_operations() -> list[Operation]:
    return [operation for operation in operations() if operation.method in UNSAFE]
