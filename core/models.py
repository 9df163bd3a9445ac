from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


class TimeStampedModel(models.Model):
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class ChangeRecord(models.Model):
    """A change to a record's details, kept as part of the governance trail: who, when
    and what, as ``fields = {field: [old, new]}`` in display form. Append-only: saving
    an existing one or deleting one raises. Concrete models add the record it is about
    (and, where asked for, the reason)."""

    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    fields = models.JSONField(default=dict, help_text="{field: [old, new]}, as displayed")

    what = "A change"  # how the refusals below name it

    class Meta:
        abstract = True
        ordering = ["-at", "-pk"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError(f"{self.what} is a record: it cannot be edited.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError(f"{self.what} is a record: it cannot be deleted.")

    def lines_for(self, labels: dict[str, str]) -> list[str]:
        """``["Target date: 31 March 2026 → 30 June 2026", ...]``, in ``labels``' order."""
        return [
            f"{label}: {self.fields[name][0]} → {self.fields[name][1]}"
            for name, label in labels.items()
            if name in self.fields
        ]


class Notification(models.Model):
    """The outbox. A notification is written in the same transaction as the change that
    causes it and sent afterwards by the scheduler, with retries, so a failed send
    loses nothing and a rolled-back change sends nothing."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    created = models.DateTimeField(auto_now_add=True)
    recipient = models.ForeignKey(
        "auth.User", on_delete=models.CASCADE, related_name="notifications"
    )
    subject = models.CharField(max_length=250)
    body = models.TextField()
    # A key makes a notification idempotent: the same reminder is not queued twice.
    dedupe_key = models.CharField(max_length=200, blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)
    # Where the record it is about is ("/actions/7/"), for the Notifications page; blank
    # when it is about no one record.
    link = models.CharField(max_length=200, blank=True, default="")
    # The agency whose records it quotes (an action's, a task's), if any: the page lists
    # it only while the recipient may still read that agency's records. A plain id:
    # core knows no domain model.
    agency_pk = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["created"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            # the Notifications page: one person's, newest first
            models.Index(
                fields=["recipient", "-created", "-id"], name="notification_recipient_new"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="unique_notification_dedupe_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.recipient}"


class FormSubmission(models.Model):
    """A one-time form token this user has used, and where its submission went: a second
    post of the same form (a double click, a resubmitted page) is sent there with a
    message instead of doing the work again (``core.submissions``). The unique constraint
    lets exactly one of two simultaneous posts of a token through. Swept after a day."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    redirect_to = models.TextField(blank=True, default="")
    message = models.TextField(blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "token"], name="unique_form_submission_token")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.token} → {self.redirect_to}"


class DataStamp(models.Model):
    """A random number that every committed change of a kind of record replaces
    (``core.kept``): a process keeps figures computed from those records under it."""

    name = models.CharField(max_length=50, primary_key=True)
    stamp = models.BigIntegerField()

    def __str__(self) -> str:
        return self.name
