"""Helpers every page view shares: turning a refused step into a message, and the
error pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.transitions import TransitionForbidden, TransitionRefused


def run_step(request: HttpRequest, step: Callable[[], Any], *, success: str) -> bool:
    """Run a service call for a page that redirects afterwards: a refused step becomes an
    error message, a forbidden one a 403, success a success message."""
    try:
        step()
    except TransitionForbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except TransitionRefused as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, success)
    return True


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    return render(request, "errors/500.html", status=500)
