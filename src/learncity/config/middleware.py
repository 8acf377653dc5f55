"""The Content-Security-Policy header (issue 19, finding 15).

Every HTML answer carries `settings.LEARNCITY_CSP`: scripts only from the site's own files
(every page's script is a file under static/, none inline, no `on...=` attribute), no
plug-ins, no framing, forms post only to the site. Pages under one of
`settings.LEARNCITY_CSP_EVAL_PATHS` (the console) may also compile code at run time
(`'unsafe-eval'`): Vega compiles each chart's expressions with `Function()`. An SVG answer
(the check-in QR code, a credential's badge, an uploaded emblem) opened on its own runs no
script and loads nothing. A view that sets its own header keeps it.

The other security headers (HSTS, nosniff, Referrer-Policy, the HTTPS redirect) come from
Django's SecurityMiddleware, configured in settings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


def policy_text(directives: Mapping[str, str]) -> str:
    """`default-src 'self'; script-src 'self'; ...` in the order given."""
    return "; ".join(f"{name} {value}".strip() for name, value in directives.items())


def with_eval(directives: Mapping[str, str]) -> dict[str, str]:
    """The same policy with `'unsafe-eval'` added to script-src."""
    script = directives.get("script-src", directives.get("default-src", "'self'"))
    return {**directives, "script-src": f"{script} 'unsafe-eval'"}


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        directives: Mapping[str, str] = settings.LEARNCITY_CSP
        self.policy = policy_text(directives)
        self.eval_policy = policy_text(with_eval(directives))
        self.eval_paths = tuple(settings.LEARNCITY_CSP_EVAL_PATHS)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if HEADER in response.headers:
            return response
        content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type == "text/html":
            chosen = self.eval_policy if request.path.startswith(self.eval_paths) else self.policy
            response.headers[HEADER] = chosen
        elif content_type == "image/svg+xml":
            response.headers[HEADER] = SVG_POLICY
        return response
