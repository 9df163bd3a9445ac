"""Queue notifications (in the caller's transaction) and send them (from the scheduler).

Who is told is the caller's to decide, from the grants through ``agencies.selectors``;
what they are told is a template under ``templates/emails/``."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from core.models import Notification

logger = logging.getLogger(__name__)


# A notification's body is a template, ``templates/emails/<name>.txt``, rendered as plain
# text (each template is wrapped in ``{% autoescape off %}``: an e-mail is not HTML).
def render_body(template: str, context: dict[str, Any]) -> str:
    return render_to_string(f"emails/{template}.txt", context).strip()


@dataclass
class Message:
    """One notification to queue for each of ``recipients``: its subject, its body's
    template and context (or a ``body`` already written), and its dedupe key."""

    recipients: Sequence[Any]
    subject: str
    template: str = ""
    context: dict[str, Any] = field(default_factory=dict)
    body: str = ""
    dedupe_key: str = ""
    # the record's page, for the Notifications page ("" when about no one record)
    link: str = ""
    # the id of the agency whose records it quotes, if any (see Notification.agency_pk)
    agency_pk: int | None = None


# How many dedupe keys one query reads (far beyond any pass; SQLite takes 32,766).
KEYS_PER_QUERY = 10_000


def _already_queued(keys: set[str]) -> set[tuple[int, str]]:
    found: set[tuple[int, str]] = set()
    ordered = sorted(keys)
    for start in range(0, len(ordered), KEYS_PER_QUERY):
        found.update(
            Notification.objects.filter(
                dedupe_key__in=ordered[start : start + KEYS_PER_QUERY]
            ).values_list("recipient_id", "dedupe_key")
        )
    return found


def notify_many(messages: Iterable[Message], *, new_keys: bool = False) -> int:
    """Queue every message for each of its distinct active recipients with an e-mail
    address, skipping a recipient who already has the message's dedupe key; returns the
    number queued. Two queries whatever the number of messages: one read of the dedupe
    keys already queued, one insert (none when there is nothing new), so a sweep that
    sends nothing costs the same however many records it looks at.

    ``new_keys``: the caller's dedupe keys name an event that has just happened (a step
    taken now), so none can be queued already: the read is skipped (one query), and the
    database's unique constraint still skips a row queued meanwhile (then counted)."""
    wanted: list[tuple[Message, str, list[Any]]] = []
    keys: set[str] = set()
    for message in messages:
        key = message.dedupe_key[:200]
        seen: set[int] = set()
        people = []
        for user in message.recipients:
            if user is None or user.pk in seen or not user.is_active or not user.email:
                continue
            seen.add(user.pk)
            people.append(user)
        if people:
            wanted.append((message, key, people))
            if key:
                keys.add(key)
    if not wanted:
        return 0
    already = _already_queued(keys) if keys and not new_keys else set()
    rows: list[Notification] = []
    for message, key, people in wanted:
        new = [user for user in people if not key or (user.pk, key) not in already]
        if not new:
            continue
        if key:  # the same key twice in one batch: queued once
            already.update((user.pk, key) for user in new)
        body = message.body or render_body(message.template, message.context)
        rows.extend(
            Notification(
                recipient=user,
                subject=message.subject[:250],
                body=body,
                dedupe_key=key,
                link=message.link[:200],
                agency_pk=message.agency_pk,
            )
            for user in new
        )
    if rows:
        # a row queued meanwhile by another pass (same recipient and key) is skipped
        Notification.objects.bulk_create(rows, ignore_conflicts=bool(keys))
    return len(rows)


def notify(
    *,
    recipients: Iterable[Any],
    subject: str,
    body: str = "",
    template: str = "",
    context: dict[str, Any] | None = None,
    dedupe_key: str = "",
    link: str = "",
    agency_pk: int | None = None,
) -> int:
    """Queue one notification per distinct active recipient with an e-mail address;
    with a ``dedupe_key`` a recipient who already has it is skipped. The body is
    ``emails/<template>.txt`` rendered with ``context`` (or ``body`` as given); ``link``
    is the page of the record it is about, if any. Returns the number queued."""
    if not body and not template:
        raise ValueError("A notification needs a body or a template")
    return notify_many(
        [
            Message(
                recipients=list(recipients),
                subject=subject,
                template=template,
                context=context or {},
                body=body,
                dedupe_key=dedupe_key,
                link=link,
                agency_pk=agency_pk,
            )
        ]
    )


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


# A pass claims and sends the outbox in chunks of this many (each its own short claim, so
# a chunk is sent well within its ``LEASE``), up to ``settings.OUTBOX_SEND_PER_PASS``.
CHUNK = 200
SENT_FIELDS = ["attempts", "status", "sent_at", "last_error", "next_attempt_at"]


def send_pending(*, limit: int | None = None, seconds: float | None = None) -> tuple[int, int]:
    """Send due notifications: up to ``limit`` (``settings.OUTBOX_SEND_PER_PASS``) in
    chunks of ``CHUNK``, starting no new chunk once ``seconds``
    (``settings.OUTBOX_PASS_SECONDS``) have gone by. Returns (sent, failed attempts).

    One mail connection for the pass (opened again after a failure), and each chunk's
    outcome written in one UPDATE (``bulk_update``), not one per message: a day's
    reminders (10,000 for 5,000 overdue actions) leave in a few passes, minutes rather
    than the hour that 200 a pass took (issue 13). Safe to run from two schedulers at
    once: each row is claimed by one of them (see ``_claim``)."""
    limit = settings.OUTBOX_SEND_PER_PASS if limit is None else limit
    budget = settings.OUTBOX_PASS_SECONDS if seconds is None else seconds
    started = time.monotonic()
    sent = failed = 0
    mail = get_connection(fail_silently=False)
    try:
        while sent + failed < limit and time.monotonic() - started < budget:
            now = timezone.now()
            batch = _claim(now, min(CHUNK, limit - sent - failed))
            if not batch:
                break
            for note in batch:
                note.attempts += 1
                try:
                    mail.open()  # a no-op while open
                    EmailMessage(
                        note.subject,
                        note.body,
                        settings.DEFAULT_FROM_EMAIL,
                        [note.recipient.email],
                        connection=mail,
                    ).send()
                except Exception as exc:  # any transport error: keep it and try later
                    logger.warning("Notification %s failed: %s", note.pk, exc)
                    failed += 1
                    note.last_error = str(exc)[:2000]
                    if note.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                        note.status = Notification.Status.FAILED
                    else:
                        note.next_attempt_at = now + _backoff(note.attempts)
                    _close_quietly(mail)  # the next message opens a fresh connection
                else:
                    sent += 1
                    note.status = Notification.Status.SENT
                    note.sent_at = now
                    note.last_error = ""
            Notification.objects.bulk_update(batch, SENT_FIELDS)
    finally:
        _close_quietly(mail)
    return sent, failed


def _close_quietly(mail: Any) -> None:
    try:
        mail.close()
    except Exception:  # a connection that broke cannot always be closed cleanly
        logger.debug("Mail connection close failed", exc_info=True)


def retry_failed(notifications: QuerySet[Notification]) -> int:
    """Put those of ``notifications`` that failed (ran out of attempts) back in the
    queue, their attempts reset, for the next pass to send; the last error is kept
    until then. Returns how many. (The outbox admin's "Retry" action.)"""
    return notifications.filter(status=Notification.Status.FAILED).update(
        status=Notification.Status.PENDING, attempts=0, next_attempt_at=None
    )
