"""``core``'s records: the e-mail outbox and the one-time form tokens; and dates."""

from __future__ import annotations

from datetime import date, timedelta

import factory
from django.utils import timezone

from core.models import FormSubmission, Notification
from tests.factories.agencies import UserFactory


def in_days(n: int) -> date:
    return timezone.localdate() + timedelta(days=n)


class NotificationFactory(factory.django.DjangoModelFactory[Notification]):
    """A row of the outbox as the scheduler finds it (``status``, ``attempts``,
    ``last_error`` as given). Services queue theirs through ``core.outbox.notify``."""

    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    subject = factory.Sequence(lambda n: f"Notification {n}")
    body = "Sign in to see what changed."
    dedupe_key = ""
    status = Notification.Status.PENDING


class FormSubmissionFactory(factory.django.DjangoModelFactory[FormSubmission]):
    """A one-time form token already used (``core.submissions``)."""

    class Meta:
        model = FormSubmission

    user = factory.SubFactory(UserFactory)
    token = factory.Sequence(lambda n: f"{n:064x}")
    redirect_to = "/"
    message = ""
