"""The client's address, as the join limiter and the login throttle see it.

With no proxy (`CLASSROOM_TRUSTED_PROXY_HOPS=0`, the default) it is REMOTE_ADDR. Behind N
reverse proxies that each append the address they saw to X-Forwarded-For (nginx's
`$proxy_add_x_forwarded_for`, most PaaS routers), it is the N-th address from the right of that
header: the entries to its left were written by the client and are not trusted (a learner could
otherwise dodge the limit with a forged header). The header is `CLASSROOM_TRUSTED_PROXY_HEADER`
(default X-Forwarded-For).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    hops = int(getattr(settings, "CLASSROOM_TRUSTED_PROXY_HOPS", 0) or 0)
    header = getattr(settings, "CLASSROOM_TRUSTED_PROXY_HEADER", "") or "HTTP_X_FORWARDED_FOR"
    if hops > 0:
        entries = [e.strip() for e in str(request.META.get(header, "")).split(",") if e.strip()]
        if len(entries) >= hops:
            return entries[-hops][:64]
        if entries:  # fewer proxies than configured wrote to it: the leftmost is the nearest we have
            return entries[0][:64]
    return str(request.META.get("REMOTE_ADDR", "") or "unknown")[:64]


def axes_client_ip(request: HttpRequest) -> str | None:
    """The same address for django-axes, which stores it in an IP address column: None when it is
    not an IP address (a request built in code, e.g. force_login, has no REMOTE_ADDR)."""
    import ipaddress

    address = client_address(request)
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return None
    return address
