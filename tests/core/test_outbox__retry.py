"""The outbox: notifications are written in the caller's transaction, deduplicated by
key, sent by ``send_pending`` with retries and back-off, left as failed after
``OUTBOX_MAX_ATTEMPTS``, and never sent twice."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from django.core.mail.backends import locmem
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.utils import timezone

from core.models import Notification
from core.outbox import notify, send_pending
from tests.factories import UserFactory

FAILING_BACKEND = "tests.core.test_outbox__retry.FailingBackend"


class FailingBackend(BaseEmailBackend):
    """An e-mail backend whose server is always down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("SMTP server unreachable")


class Boom(Exception):
    pass


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


def queue_one(user, key: str = "") -> int:
    return notify(
        recipients=[user], subject="Action overdue", body="Action #1 is overdue.", dedupe_key=key
    )


def test_notify_writes_a_pending_row(alice):
    assert queue_one(alice) == 1
    note = Notification.objects.get()
    assert note.recipient == alice
    assert note.status == Notification.Status.PENDING
    assert note.attempts == 0


def test_notify_is_part_of_the_callers_transaction(alice):
    with pytest.raises(Boom), transaction.atomic():
        queue_one(alice)
        assert Notification.objects.count() == 1
        raise Boom  # the change that caused the notification fails
    assert Notification.objects.count() == 0


def test_dedupe_key_prevents_a_second_row(alice):
    assert queue_one(alice, key="action-overdue-1-2026-W14") == 1
    assert queue_one(alice, key="action-overdue-1-2026-W14") == 0
    assert queue_one(alice, key="action-overdue-1-2026-W15") == 1
    assert Notification.objects.count() == 2


def test_without_a_key_every_call_queues(alice):
    queue_one(alice)
    queue_one(alice)
    assert Notification.objects.count() == 2


def test_skips_inactive_users_users_without_email_and_repeats(alice):
    inactive = UserFactory(username="gone", is_active=False)
    no_email = UserFactory(username="noemail", email="")
    assert notify(recipients=[alice, alice, None, inactive, no_email], subject="s", body="b") == 1
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["alice"]


def test_send_pending_sends_through_the_email_backend_once(alice, mailoutbox):
    queue_one(alice)
    assert send_pending() == (1, 0)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["alice@example.org"]
    assert mailoutbox[0].subject == "Action overdue"
    note = Notification.objects.get()
    assert note.status == Notification.Status.SENT
    assert note.sent_at is not None
    assert note.attempts == 1
    # nothing is sent twice
    assert send_pending() == (0, 0)
    assert len(mailoutbox) == 1


def test_a_failed_send_stays_pending_and_is_retried_when_due(alice, settings, mailoutbox):
    queue_one(alice)
    settings.EMAIL_BACKEND = FAILING_BACKEND
    before = timezone.now()
    assert send_pending() == (0, 1)
    note = Notification.objects.get()
    assert note.status == Notification.Status.PENDING
    assert note.attempts == 1
    assert note.next_attempt_at > before
    assert "SMTP server unreachable" in note.last_error

    # not due yet: nothing is tried
    assert send_pending() == (0, 0)
    assert Notification.objects.get().attempts == 1

    # the server is back and the retry is due
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(note.next_attempt_at + timedelta(seconds=1), tick=False):
        assert send_pending() == (1, 0)
        assert send_pending() == (0, 0)
    note.refresh_from_db()
    assert note.status == Notification.Status.SENT
    assert note.attempts == 2
    assert note.last_error == ""
    assert len(mailoutbox) == 1


def test_back_off_grows_between_attempts(alice, settings):
    settings.EMAIL_BACKEND = FAILING_BACKEND
    settings.OUTBOX_MAX_ATTEMPTS = 10
    queue_one(alice)
    gaps = []
    now = timezone.now()
    for _ in range(3):
        with time_machine.travel(now, tick=False):
            assert send_pending() == (0, 1)
        note = Notification.objects.get()
        gaps.append(note.next_attempt_at - now)
        now = note.next_attempt_at + timedelta(seconds=1)
    assert gaps[0] < gaps[1] < gaps[2]


def test_failed_after_max_attempts_and_never_tried_again(alice, settings, mailoutbox):
    settings.EMAIL_BACKEND = FAILING_BACKEND
    settings.OUTBOX_MAX_ATTEMPTS = 3
    queue_one(alice)
    now = timezone.now()
    for attempt in range(1, 4):
        with time_machine.travel(now, tick=False):
            assert send_pending() == (0, 1)
        note = Notification.objects.get()
        assert note.attempts == attempt
        if attempt < 3:
            assert note.status == Notification.Status.PENDING
            now = note.next_attempt_at + timedelta(seconds=1)
    assert note.status == Notification.Status.FAILED

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(timezone.now() + timedelta(days=30), tick=False):
        assert send_pending() == (0, 0)
    assert Notification.objects.get().attempts == 3
    assert mailoutbox == []


def test_one_failure_does_not_hold_back_the_others(alice, settings, mailoutbox, monkeypatch):
    bob = UserFactory(username="bob")
    queue_one(alice)
    queue_one(bob)
    from django.core.mail.backends.locmem import EmailBackend

    real_send = EmailBackend.send_messages

    def send_messages(self, messages):
        if messages[0].to == ["alice@example.org"]:
            raise ConnectionResetError("mailbox unavailable")
        return real_send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", send_messages)
    assert send_pending() == (1, 1)
    assert [m.to for m in mailoutbox] == [["bob@example.org"]]
    statuses = dict(Notification.objects.values_list("recipient__username", "status"))
    assert statuses == {"alice": "pending", "bob": "sent"}


# -- two senders at once (PostgreSQL: SKIP LOCKED) -------------------------------------------
SLOW_BACKEND = "tests.core.test_outbox__retry.SlowBackend"
sending = threading.Event()  # set while a SlowBackend is inside a send
release = threading.Event()  # lets a waiting SlowBackend finish


class SlowBackend(locmem.EmailBackend):
    """Sends like locmem, but the first send waits until the test lets it go, so a
    second sender runs while the first still holds its batch."""

    def send_messages(self, messages):
        sending.set()
        release.wait(timeout=20)
        return super().send_messages(messages)


def skip_unless_postgres():
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL's row locks (SELECT ... FOR UPDATE SKIP LOCKED); "
            "SQLite serialises writers; run with DATABASE_URL set"
        )


def in_thread(func):
    out: dict = {}

    def run():
        try:
            out["result"] = func()
        except Exception as exc:  # surfaced by the caller
            out["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, out


@pytest.fixture
def slow_mail(settings):
    settings.EMAIL_BACKEND = SLOW_BACKEND
    sending.clear()
    release.clear()
    yield
    release.set()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_send_each_notification_once(slow_mail, mailoutbox):
    skip_unless_postgres()
    users = [UserFactory(username=f"user{i}") for i in range(5)]
    for user in users:
        queue_one(user)
    first, first_out = in_thread(send_pending)
    assert sending.wait(timeout=20)  # the first sender holds its batch
    # a second sender now: it must skip the rows the first one holds
    second, second_out = in_thread(send_pending)
    second.join(timeout=5)
    release.set()
    first.join(timeout=30)
    assert "error" not in first_out and "error" not in second_out
    assert first_out["result"][0] + second_out["result"][0] == 5
    assert sorted(m.to[0] for m in mailoutbox) == sorted(u.email for u in users)
    assert set(Notification.objects.values_list("status", "attempts")) == {("sent", 1)}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sending_does_not_lock_the_recipients_user_rows(slow_mail, alice):
    """Only the outbox rows are claimed: a login (which updates ``last_login``) or an
    administrator editing the recipient must not wait for the mail server."""
    skip_unless_postgres()
    from django.contrib.auth import get_user_model
    from django.db import DatabaseError

    queue_one(alice)
    sender, out = in_thread(send_pending)
    try:
        assert sending.wait(timeout=20)
        try:
            with transaction.atomic():
                get_user_model().objects.select_for_update(nowait=True).get(pk=alice.pk)
        except DatabaseError:
            pytest.fail("send_pending holds a lock on the recipient's auth_user row")
    finally:
        release.set()
        sender.join(timeout=30)
    assert out["result"] == (1, 0)
