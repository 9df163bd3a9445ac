"""Sessions that end after :setting:`SESSION_COOKIE_AGE` idle, without a write on every
request (issue 13: the session row was saved by every page and every step, three queries
on SQLite and a write on PostgreSQL, under ``SESSION_SAVE_EVERY_REQUEST``).

``SESSION_ENGINE = "core.sessions"`` with ``SESSION_SAVE_EVERY_REQUEST = False``: a
session is saved when it changes (signing in, a checked import file ...) and, to slide its
expiry forward, when it was last saved more than :data:`REFRESH_AFTER` ago. So a session
still ends after eight idle hours, give or take :data:`REFRESH_AFTER`; a person busy on
the service writes their session row once every few minutes rather than on every click.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils import timezone

# How stale the stored expiry may be before a request saves the session again.
REFRESH_AFTER = timedelta(minutes=5)


def refresh_due(expire_date: Any, now: Any = None) -> bool:
    """Whether a session stored with ``expire_date`` was last saved more than
    :data:`REFRESH_AFTER` ago (sessions are stored with ``SESSION_COOKIE_AGE`` to run)."""
    now = now or timezone.now()
    saved_at = expire_date - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    return bool(now - saved_at >= REFRESH_AFTER)


class SessionStore(DatabaseSessionStore):
    """Django's database sessions, marked modified when their expiry is due to be slid
    forward (so ``SessionMiddleware`` saves them), and not otherwise."""

    def _get_session_from_db(self) -> Any:
        stored = super()._get_session_from_db()  # type: ignore[misc]  # private in Django, absent from django-stubs
        if stored is not None and refresh_due(stored.expire_date):
            self.modified = True
        return stored

    async def _aget_session_from_db(self) -> Any:
        stored = await super()._aget_session_from_db()  # type: ignore[misc]  # private in Django, absent from django-stubs
        if stored is not None and refresh_due(stored.expire_date):
            self.modified = True
        return stored
