"""Sign-in lockout (django-axes): who the client is, and two limits.

- **The client's address** is ``REMOTE_ADDR`` unless ``TRUSTED_PROXY_COUNT`` (settings,
  from the environment) says how many reverse proxies of ours stand in front of the
  application. Each of them appends the address it received the request from to
  ``X-Forwarded-For``, so the client is the entry that many places from the right; any
  entry further left was written by the client and is not trusted. With no proxy
  configured the header is ignored: anyone can send one.
- **Two limits.** ``AXES_FAILURE_LIMIT`` failures lock one username from one address (a
  typo-prone person is not locked out everywhere, and nobody can lock someone else out
  from another address); ``AXES_ADDRESS_FAILURE_LIMIT`` failures from one address, over
  any usernames, lock that address (one password sprayed across many usernames). The
  second is higher because an office behind one NAT address shares it.

Axes compares one number with one limit, so :class:`LockoutHandler` reports the failures
of each lockout parameter scaled to the per-username limit: an address reaches "the
limit" when its own failures reach ``AXES_ADDRESS_FAILURE_LIMIT``.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit, get_lockout_parameters
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest

ADDRESS = "ip_address"


def _valid_address(value: str) -> str | None:
    value = value.strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip_address(request: HttpRequest) -> str | None:
    """The client's address: ``X-Forwarded-For`` read from the right, past our own
    ``TRUSTED_PROXY_COUNT`` proxies, or ``REMOTE_ADDR`` when no proxy is trusted (or the
    header is missing, too short or not an address)."""
    remote = request.META.get("REMOTE_ADDR")
    count = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if count <= 0:
        return remote
    forwarded = [
        part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
    ]
    if len(forwarded) < count:
        return remote
    return _valid_address(forwarded[-count]) or remote


def _limit_for(parameter: str | list[str], base: int) -> int:
    if parameter == ADDRESS or parameter == [ADDRESS]:
        return int(getattr(settings, "AXES_ADDRESS_FAILURE_LIMIT", base))
    return base


def _is_username_bound(parameter: str | list[str]) -> bool:
    return parameter == "username" or (isinstance(parameter, list) and "username" in parameter)


class LockoutHandler(AxesDatabaseHandler):
    """Axes's database handler with a limit per lockout parameter."""

    def get_failures(self, request: Any, credentials: dict | None = None) -> int:
        base = get_failure_limit(request, credentials)
        parameters = get_lockout_parameters(request, credentials)
        scaled = 0
        for parameter, attempts in zip(
            parameters, self.get_user_attempts(request, credentials), strict=True
        ):
            failures = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            # floor(f * base / limit) >= base exactly when f >= limit
            scaled = max(scaled, failures * base // max(_limit_for(parameter, base), 1))
        return scaled

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """A successful sign-in clears that username's failures only: another account's
        password does not wipe the address's count (an insider could otherwise reset a
        spraying run by signing in between tries)."""
        parameters = get_lockout_parameters(request, credentials)
        count = 0
        for parameter, attempts in zip(
            parameters, self.filter_user_attempts(request, credentials), strict=True
        ):
            if _is_username_bound(parameter):
                count += attempts.delete()[0]
        return count
