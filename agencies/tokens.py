"""API tokens: issued with a password, short-lived, revocable, never stored in clear.

Rules (README, "API"):

- ``POST /api/v1/auth/token/`` with a username and password issues a new token that
  lasts ``API_TOKEN_TTL`` seconds (default eight hours, as a web session) and is never
  extended; failed tries count towards the sign-in lockout like the sign-in page's.
- The owner lists their tokens (``GET /api/v1/auth/tokens/``) and revokes any of them
  (``DELETE /api/v1/auth/tokens/<id>/``, or ``DELETE /api/v1/auth/token/`` for the one
  in use); an administrator revokes anyone's in the admin.
- Deactivating an account, and signing out of the web, delete all of the user's tokens
  (``agencies.signals``); an inactive user's token is refused even before that.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from agencies.models import ApiToken

KEYWORD = "Token"
# last_used is written at most this often per token, not on every request
LAST_USED_RESOLUTION = timedelta(minutes=1)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_ttl() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "API_TOKEN_TTL", 8 * 60 * 60)))


def issue_token(*, user: Any, name: str = "") -> tuple[ApiToken, str]:
    """A new token for ``user``: the row and the key, which is not stored and cannot be
    shown again. The user's expired tokens are deleted on the way."""
    now = timezone.now()
    ApiToken.objects.filter(user=user, expires__lte=now).delete()
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        digest=digest(key),
        prefix=key[:8],
        name=name,
        created=now,
        expires=now + token_ttl(),
    )
    return token, key


def revoke_all(user: Any) -> int:
    """Delete every token of ``user``; how many there were."""
    return ApiToken.objects.filter(user=user).delete()[0]


class ApiTokenAuthentication(BaseAuthentication):
    """``Authorization: Token <key>``: a live token of an active user."""

    def authenticate(self, request: Any) -> tuple[Any, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header.")
        try:
            key = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        now = timezone.now()
        token = (
            ApiToken.objects.select_related("user")
            .filter(digest=digest(key), expires__gt=now)
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or expired token.")
        if token.last_used is None or now - token.last_used >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used=now)
            token.last_used = now
        return token.user, token

    def authenticate_header(self, request: Any) -> str:
        return KEYWORD


class ApiTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "agencies.tokens.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> Any:
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=KEYWORD
        )
