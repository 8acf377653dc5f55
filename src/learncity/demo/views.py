"""The demo's own home page (`/demo/`, demo mode only): what the demo city is, its story, and
the demo accounts with the passwords `learncity demo` printed."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from learncity.demo.accounts import demo_accounts_shown
from learncity.regions.selectors import city_brand


@require_GET
def demo_home(request: HttpRequest) -> HttpResponse:
    if not city_brand().is_demo:  # a real city has no demo accounts to show
        raise Http404("not a demo")
    return render(request, "portal/demo/home.html", {"accounts": demo_accounts_shown()})
