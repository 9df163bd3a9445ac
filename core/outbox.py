"""Queue notifications (in the caller's transaction) and send them (from the scheduler)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from core.models import Notification

logger = logging.getLogger(__name__)


def notify(*, recipients: Iterable[Any], subject: str, body: str, dedupe_key: str = "") -> int:
    """Queue one notification per distinct active recipient with an e-mail address;
    with a ``dedupe_key`` a recipient who already has it is skipped. Returns the
    number queued."""
    seen: set[int] = set()
    rows = []
    for user in recipients:
        if user is None or user.pk in seen or not user.is_active or not user.email:
            continue
        seen.add(user.pk)
        rows.append(
            Notification(
                recipient=user, subject=subject[:250], body=body, dedupe_key=dedupe_key[:200]
            )
        )
    if not rows:
        return 0
    if dedupe_key:
        already = set(
            Notification.objects.filter(
                dedupe_key=dedupe_key[:200], recipient_id__in=seen
            ).values_list("recipient_id", flat=True)
        )
        rows = [r for r in rows if r.recipient_id not in already]
    Notification.objects.bulk_create(rows, ignore_conflicts=bool(dedupe_key))
    return len(rows)


def _backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2**attempts, 240))


# A claimed notification is not offered to another sender for this long; if the sender
# dies mid-send, the notification is tried again once the lease runs out.
LEASE = timedelta(minutes=5)


def _claim(now: Any, limit: int) -> list[Notification]:
    """Claim a batch in a short transaction, so no lock is held while mail is sent.

    On PostgreSQL the rows are read with ``SELECT ... FOR UPDATE SKIP LOCKED`` (locking
    only the outbox rows, ``of=("self",)``, not each recipient's user row), so two
    schedulers never claim the same row; SQLite serialises the claiming writes."""
    with transaction.atomic():
        qs = Notification.objects.filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
            status=Notification.Status.PENDING,
        ).order_by("created")
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True, of=("self",))
        batch = list(qs.select_related("recipient")[:limit])
        Notification.objects.filter(pk__in=[n.pk for n in batch]).update(
            next_attempt_at=now + LEASE
        )
    return batch


def send_pending(*, limit: int = 200) -> tuple[int, int]:
    """Send due notifications. Returns (sent, failed attempts). Safe to run from two
    schedulers at once: each row is claimed by one of them (see ``_claim``)."""
    sent = failed = 0
    now = timezone.now()
    for note in _claim(now, limit):
        note.attempts += 1
        try:
            send_mail(
                note.subject,
                note.body,
                settings.DEFAULT_FROM_EMAIL,
                [note.recipient.email],
                fail_silently=False,
            )
        except Exception as exc:  # any transport error: keep it and try later
            logger.warning("Notification %s failed: %s", note.pk, exc)
            failed += 1
            note.last_error = str(exc)[:2000]
            if note.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                note.status = Notification.Status.FAILED
            else:
                note.next_attempt_at = now + _backoff(note.attempts)
        else:
            sent += 1
            note.status = Notification.Status.SENT
            note.sent_at = now
            note.last_error = ""
        note.save(update_fields=["attempts", "status", "sent_at", "last_error", "next_attempt_at"])
    return sent, failed
