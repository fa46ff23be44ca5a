"""Security headers Django does not set itself: Content-Security-Policy and friends.

Django's SecurityMiddleware already sends X-Content-Type-Options, Referrer-Policy, COOP and HSTS
(production); this middleware adds the CSP and a restrictive Permissions-Policy. No 'unsafe-inline'
anywhere: htmx's indicator style is turned off with <meta name="htmx-config"> in base.html, every
script is a static file, and templates use classes instead of style attributes.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'self'",
    ]
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
UTF8_NAMES = {"utf-8", "utf8", "us-ascii", "ascii"}


class FormCharsetMiddleware:
    """A form body declared in another charset than UTF-8 (e.g. `charset=utf-16`) is a 400 with a
    clear message. Django refuses such a body with BadRequest, but only when the CSRF check first
    reads request.POST, and its 400 handler reads request.POST again for its own CSRF token: a 500.
    Placed before the session and CSRF middleware, so nothing reads the body before it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in {"GET", "HEAD", "OPTIONS"} and request.content_type in FORM_TYPES:
            charset = request.content_params.get("charset", "utf-8").strip().strip('"').lower()
            if charset not in UTF8_NAMES:
                return HttpResponseBadRequest(
                    f"This form was sent with charset={charset[:40]}; KMS Lab reads forms in UTF-8 only "
                    "(a browser sends UTF-8 for these pages). Nothing was saved.",
                    content_type="text/plain; charset=utf-8",
                )
        return self.get_response(request)


class SessionRefreshMiddleware:
    """Keep an active learner's session alive: a session the request already used is re-saved
    (new expiry, new cookie) when it was last refreshed on an earlier day, so SESSION_COOKIE_AGE
    counts from the last visit, not the first. At most one extra write per learner per day
    (SESSION_SAVE_EVERY_REQUEST would write on every request). Never creates a session."""

    MARK = "_kmslab_refreshed"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.accessed and session.session_key and not session.is_empty():
            from django.utils import timezone

            today = timezone.now().date().isoformat()
            if session.get(self.MARK) != today:
                session[self.MARK] = today  # SessionMiddleware (outside us) saves it and resets the cookie
        return response
