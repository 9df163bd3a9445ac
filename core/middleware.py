"""Security headers on every response: a Content-Security-Policy with a per-request nonce,
a Permissions-Policy, and ``Cache-Control: no-store`` on whatever a signed-in person is
shown or downloads.

Our own middleware rather than django-csp: the project needs one fixed policy, a nonce and
a way for a view to send its own policy (the API docs page); that is a few lines, where a
dependency would bring a settings vocabulary, decorators and a lock-file entry for nothing
more. The nonce is ``request.csp_nonce``, the name django-csp and Django 6.0's built-in
CSP support both use, so moving to either later changes no template.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from http import HTTPStatus

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import add_never_cache_headers
from rest_framework.renderers import BrowsableAPIRenderer

CSP_HEADER = "Content-Security-Policy"

# Django's technical 404 and 500 pages (DEBUG only) carry inline script and style.
DEBUG_PAGES = {HTTPStatus.NOT_FOUND, HTTPStatus.INTERNAL_SERVER_ERROR}

# Browser features the service never uses, switched off for it and anything it embeds.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "usb",
    )
)


def content_security_policy(nonce: str, *, inline_styles: bool = False) -> str:
    """Everything from our own origin; the one inline script (base.html's ``js-enabled``
    line) carries the request's nonce; no plugins, no <base>, no framing, forms post
    only to us. ``inline_styles`` is for DRF's browsable API, whose templates use style
    attributes and a <style> block (scripts stay strict there too)."""
    style = "style-src 'self' 'unsafe-inline'" if inline_styles else "style-src 'self'"
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            style,
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeadersMiddleware:
    """Sets ``request.csp_nonce`` for templates, then the headers on the response. A view
    that sets its own Content-Security-Policy (the API docs page) keeps it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        nonce = secrets.token_urlsafe(18)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)

        debug_page = settings.DEBUG and response.status_code in DEBUG_PAGES
        if CSP_HEADER not in response and not debug_page:
            browsable = isinstance(
                getattr(response, "accepted_renderer", None), BrowsableAPIRenderer
            )
            response[CSP_HEADER] = content_security_policy(nonce, inline_styles=browsable)
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = PERMISSIONS_POLICY

        # Nothing shown to a signed-in person (pages, evidence files, exports, API
        # answers) is kept by the browser or a proxy: a shared computer's back button or
        # cache must not hand one person's safeguarding records to the next.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response
