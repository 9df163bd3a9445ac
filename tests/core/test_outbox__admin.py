"""The outbox in the admin: read-only, and a failed e-mail can be put back in the queue
("Retry": pending again, attempts reset), so it is more than a log line."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from core.models import Notification
from core.outbox import send_pending
from tests.factories import NotificationFactory, UserFactory

S = Notification.Status
CHANGELIST = reverse("admin:core_notification_changelist")


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def notes(db):
    user = UserFactory(username="alice")
    failed = NotificationFactory(
        recipient=user,
        subject="Overdue action: Action #1",
        body="Action #1 was due.",
        status=S.FAILED,
        attempts=5,
        next_attempt_at=timezone.now(),
        last_error="SMTP 554: relay refused",
    )
    sent = NotificationFactory(
        recipient=user,
        subject="Evidence returned: Action #2",
        body="Returned.",
        status=S.SENT,
        attempts=1,
        sent_at=timezone.now(),
    )
    return failed, sent


def retry(client, *notes):
    return client.post(
        CHANGELIST,
        {"action": "retry", "_selected_action": [n.pk for n in notes]},
        follow=True,
    )


def test_the_outbox_is_listed_and_readable_but_not_editable(as_user, root, notes):
    failed, _ = notes
    client = as_user(root)
    page = client.get(CHANGELIST)
    assert page.status_code == 200
    assert "Overdue action: Action #1" in page.content.decode()
    assert "SMTP 554: relay refused" in page.content.decode()
    assert client.get(reverse("admin:core_notification_change", args=[failed.pk])).status_code == (
        200
    )
    assert client.get(reverse("admin:core_notification_add")).status_code == 403
    assert client.get(reverse("admin:core_notification_delete", args=[failed.pk])).status_code == (
        403
    )
    # no delete action either
    assert 'value="delete_selected"' not in page.content.decode()
    assert 'value="retry"' in page.content.decode()


def test_retry_puts_a_failed_notification_back_in_the_queue_and_it_is_sent(
    as_user, root, notes, mailoutbox
):
    failed, sent = notes
    page = retry(as_user(root), failed, sent)
    assert page.status_code == 200
    text = page.content.decode()
    assert "1 failed notification(s) put back in the queue." in text
    assert "1 notification(s) left as they were: only failed ones can be retried." in text
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert (failed.status, failed.attempts, failed.next_attempt_at) == (S.PENDING, 0, None)
    assert (sent.status, sent.attempts) == (S.SENT, 1)  # untouched

    assert send_pending() == (1, 0)
    assert [m.subject for m in mail.outbox] == ["Overdue action: Action #1"]
    failed.refresh_from_db()
    assert failed.status == S.SENT and failed.attempts == 1 and failed.last_error == ""


def test_someone_who_may_only_view_the_outbox_cannot_retry(as_user, notes):
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(
        Permission.objects.get(codename="view_notification", content_type__app_label="core")
    )
    client = as_user(viewer)
    page = client.get(CHANGELIST)
    assert page.status_code == 200
    assert 'value="retry"' not in page.content.decode()
    failed, _ = notes
    retry(client, failed)
    failed.refresh_from_db()
    assert failed.status == S.FAILED and failed.attempts == 5


@pytest.mark.django_db
def test_the_admin_never_shows_a_password_reset_link(client, root, notes):
    from core.forms import RESET_KEY

    user = notes[0].recipient
    reset = NotificationFactory(
        recipient=user,
        subject="Reset your password",
        body="Open https://example.org/reset/MQ/secret-token-123/ within an hour.",
        dedupe_key=f"{RESET_KEY}{user.pk}:1",
    )
    client.force_login(root)
    page = client.get(reverse("admin:core_notification_change", args=[reset.pk]))
    assert page.status_code == 200
    assert b"secret-token-123" not in page.content
    assert b"A password reset link: not shown" in page.content
    other = client.get(reverse("admin:core_notification_change", args=[notes[0].pk]))
    assert b"Action #1 was due." in other.content
