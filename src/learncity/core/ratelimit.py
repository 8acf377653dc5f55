"""Rate limits shared by every worker: the client's address and one counter per window.

`client_address(request)` is the one place that reads where a request came from. Without
trusted proxies (settings.LEARNCITY_TRUSTED_PROXIES, empty by default) it is the connection's
address, REMOTE_ADDR. When REMOTE_ADDR is a trusted proxy, it is the right-most address of
X-Forwarded-For that is not itself a trusted proxy: each proxy appends the address it was
reached from, so the addresses left of that one were written by the client and prove
nothing. A header that cannot be read there (garbage, a port, too many hops) counts as the
proxy's own address, and a client that is not a trusted proxy cannot choose its address by
sending the header.

`rate_limit_hit` counts one request in the configured cache (docs/operations.md, "Rate limits
and proxies"), the database's by default, so that two workers or two servers share a count.
"""

from __future__ import annotations

import ipaddress
import time
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# a proxy chain longer than this is not one a city runs: the rest is the client's writing
MAX_HOPS = 16
UNKNOWN = "unknown"


@lru_cache(maxsize=8)
def _networks(configured: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in configured)


def _address(raw: object) -> Address | None:
    if not isinstance(raw, str) or not 0 < len(raw) <= 64:
        return None
    try:
        address = ipaddress.ip_address(raw.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ::ffff:192.0.2.1 is 192.0.2.1
    return address


def _trusted(address: Address, proxies: tuple[Network, ...]) -> bool:
    return any(address.version == network.version and address in network for network in proxies)


def client_address(request: HttpRequest | None) -> str:
    """The address a request came from, as every per-address limit counts it (see above)."""
    if request is None:
        return UNKNOWN
    raw = request.META.get("REMOTE_ADDR")
    remote = _address(raw)
    if remote is None:  # not an IP address (a test, a unix socket): as given, shortened
        return str(raw or UNKNOWN)[:64]
    proxies = _networks(tuple(getattr(settings, "LEARNCITY_TRUSTED_PROXIES", ())))
    if not proxies or not _trusted(remote, proxies):
        return str(remote)
    header = request.META.get("HTTP_X_FORWARDED_FOR")
    if not isinstance(header, str):
        return str(remote)
    for hop in reversed(header.rsplit(",", MAX_HOPS)[-MAX_HOPS:]):
        address = _address(hop)
        if address is None:
            return str(remote)
        if not _trusted(address, proxies):
            return str(address)
    return str(remote)


def came_through_trusted_proxy(request: HttpRequest) -> bool:
    """Whether the connection came from one of the trusted proxies (whose headers, such as
    X-Request-ID, may then be believed)."""
    remote = _address(request.META.get("REMOTE_ADDR"))
    proxies = _networks(tuple(getattr(settings, "LEARNCITY_TRUSTED_PROXIES", ())))
    return remote is not None and bool(proxies) and _trusted(remote, proxies)


def rate_limit_hit(scope: str, *, key: str, limit: int, window: int) -> int | None:
    """Count one request of `key` (an address, a kiosk) under `scope` in the current window of
    `window` seconds: None while it is within `limit`, else the seconds until the window
    turns (a Retry-After)."""
    now = int(time.time())
    start = now - now % window
    name = f"learncity:limit:{scope}:{key}:{start}"
    if cache.add(name, 1, timeout=window + 10):
        count = 1
    else:
        try:
            count = int(cache.incr(name))
        except ValueError:  # expired between add and incr: this request opens a new count
            cache.set(name, 1, timeout=window + 10)
            count = 1
    if count > limit:
        return max(1, start + window - now)
    return None
