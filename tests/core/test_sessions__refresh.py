"""Sessions end after eight idle hours without a write on every request (``core.sessions``):
saved when they change, and when their expiry was last slid forward more than
``REFRESH_AFTER`` ago."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.sessions import REFRESH_AFTER, refresh_due
from tests.conftest import login


def _session(client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def _writes(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if "django_session" in q["sql"]]


def test_settings_use_the_refreshing_store():
    assert settings.SESSION_ENGINE == "core.sessions"
    assert settings.SESSION_SAVE_EVERY_REQUEST is False


def test_refresh_is_due_once_the_last_save_is_older_than_the_interval():
    now = timezone.now()
    age = timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert not refresh_due(now + age, now)
    assert not refresh_due(now + age - REFRESH_AFTER + timedelta(seconds=1), now)
    assert refresh_due(now + age - REFRESH_AFTER, now)


@pytest.mark.django_db
def test_a_page_soon_after_the_last_save_does_not_write_the_session(alice):
    client = login(alice)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("actions:list")).status_code == 200
    assert [q for q in _writes(ctx) if not q.startswith("SELECT")] == []


@pytest.mark.django_db
def test_a_page_after_the_interval_slides_the_expiry_forward(alice):
    client = login(alice)
    stale = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE) - REFRESH_AFTER * 2
    Session.objects.filter(session_key=client.session.session_key).update(expire_date=stale)
    assert client.get(reverse("actions:list")).status_code == 200
    assert _session(client).expire_date > stale + REFRESH_AFTER
    assert client.get(reverse("actions:list")).status_code == 200  # still signed in


@pytest.mark.django_db
def test_an_idle_session_still_ends(alice):
    client = login(alice)
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get(reverse("actions:list"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
