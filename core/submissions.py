"""One-time form tokens: a double-submitted form does its work once.

Every state-changing form of the pages carries a hidden one-time token
(``{% submission_token form %}``, from ``core.templatetags.submissions``). The view
handling the POST:

1. asks :meth:`Submission.repeated` (a step's page only when the state no longer allows
   the step, or before its confirm page: otherwise the claim finds the used token): if
   this user already used the token, the
   answer is a redirect to where the first submission went, with a plain message ("You
   already submitted this: the action T1.3 was created at 3:04pm.");
2. checks the form as usual (a form with errors does not use its token: the re-rendered
   form carries the same token, which stays valid until a successful submission);
3. does the work inside :meth:`Submission.claim`, which records the token in
   :class:`core.models.FormSubmission` in the same transaction as the work, in one
   ``INSERT ... ON CONFLICT DO NOTHING`` (no savepoint, no SELECT first; a step's page
   records where it goes and what a repeat is told in that same statement). The unique
   constraint on (user, token) decides a race: of two posts of the same token at the
   same moment (several workers), the second waits for the first and gets
   :class:`AlreadySubmitted` (its work is not done), answered like step 1. Work that is
   refused (an error message, a service's ``ValidationError``) rolls the token back with
   everything else.

A POST without a token (or with one that is not a token) is handled as before, without
this protection: the API and scripted clients do not send one. Used tokens are kept for
:data:`KEEP_USED_TOKENS` and then swept by the scheduler (:func:`sweep_used_tokens`).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib import messages
from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.dateformat import format as date_format

from core.models import FormSubmission

FIELD = "submission_token"
KEEP_USED_TOKENS = timedelta(days=1)
# What new_token() makes (22 characters) and what a post may send: anything else (too
# long for the column, odd characters) is no token at all.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")

ALREADY_SUBMITTED = "You already submitted this"
ALREADY_TAKEN = "This step was already taken"


def new_token() -> str:
    return secrets.token_urlsafe(16)


def field_name(prefix: str | None = None) -> str:
    """The token's field name in a form with ``prefix`` (as Django prefixes fields)."""
    return f"{prefix}-{FIELD}" if prefix else FIELD


def valid_token(value: Any) -> str:
    """``value`` if it is a token, else ""."""
    return value if isinstance(value, str) and TOKEN_PATTERN.fullmatch(value) else ""


def when(at: datetime, today: date | None = None) -> str:
    """When, for a message: "at 3:04pm" today, "on 2 March 2026 at 3:04pm" another day
    (local time)."""
    local = timezone.localtime(at)
    time = date_format(local, "g:i") + date_format(local, "A").lower()
    if local.date() == (today or timezone.localdate()):
        return f"at {time}"
    return f"on {date_format(local, 'j F Y')} at {time}"


class AlreadySubmitted(Exception):
    """Another post of the same token won: nothing was done by this one."""


class Outcome:
    """Where a successful submission went and how to say so to a repeat of it."""

    def __init__(self) -> None:
        self.url: str | None = None
        self.message = ""
        # the body runs in the claim's own transaction (a token was sent), which any
        # error in it rolls back whole
        self.atomic = False

    def done(self, url: str, message: str) -> None:
        """The work succeeded: a repeat goes to ``url``, with ``message`` (a sentence
        without its time and full stop, e.g. ``"This step was already taken: you signed
        off T2.2"``; " at 3:04pm." is added)."""
        self.url = url
        self.message = message


class Submission:
    """The one-time token of a POST to a form with ``prefix``, as sent by ``user``."""

    def __init__(self, request: HttpRequest, prefix: str | None = None) -> None:
        self.request = request
        self.token = valid_token(request.POST.get(field_name(prefix)))

    def _used(self) -> FormSubmission | None:
        if not self.token or not self.request.user.is_authenticated:
            return None
        return (
            FormSubmission.objects.filter(user=self.request.user, token=self.token)
            .exclude(redirect_to="")
            .first()
        )

    def repeated(self) -> HttpResponse | None:
        """If the token was used already: a redirect to where its submission went, with
        a message saying so (and when). Otherwise None."""
        used = self._used()
        if used is None:
            return None
        messages.info(self.request, f"{used.message} {when(used.at)}.")
        return HttpResponseRedirect(used.redirect_to)

    @contextmanager
    def claim(self, url: str | None = None, message: str = "") -> Iterator[Outcome]:
        """Do the work in the body, in one transaction with recording the token. The body
        calls ``outcome.done(url, message)`` when the work succeeded; if it does not (the
        work was refused and reported), or raises, the token is not used. Raises
        :class:`AlreadySubmitted` before the body runs if another post of the token
        already succeeded.

        ``url`` and ``message``, when the caller knows them before the work (a step's
        page and its "already taken" sentence), are recorded with the token in its one
        INSERT; an ``outcome.done`` with other values updates them."""
        outcome = Outcome()
        user = self.request.user
        if not self.token or not user.is_authenticated:
            yield outcome
            return
        recorded = (url or "", message if url else "")
        with transaction.atomic():
            used = _record(user.pk, self.token, *recorded)
            if used is None:
                raise AlreadySubmitted
            outcome.atomic = True
            yield outcome
            if outcome.url is None:
                transaction.set_rollback(True)
            elif (outcome.url, outcome.message) != recorded:
                FormSubmission.objects.filter(pk=used).update(
                    redirect_to=outcome.url, message=outcome.message
                )

    def already(self, fallback: str) -> HttpResponse:
        """The answer when :meth:`claim` raised :class:`AlreadySubmitted`."""
        repeated = self.repeated()
        if repeated is not None:
            return repeated
        messages.info(self.request, f"{ALREADY_SUBMITTED}.")
        return HttpResponseRedirect(fallback)


def _record(user_pk: Any, token: str, redirect_to: str, message: str) -> int | None:
    """Record the token as used, in one statement: the new row's id, or None if this
    user's token is recorded already. The unique constraint on (user, token) decides: on
    PostgreSQL an INSERT of a token another transaction has just recorded waits for it,
    then inserts nothing if it committed (or the row if it rolled back), so no savepoint
    and no SELECT first are needed."""
    if connection.vendor not in ("postgresql", "sqlite"):  # pragma: no cover
        try:
            with transaction.atomic():
                row = FormSubmission.objects.create(
                    user_id=user_pk, token=token, redirect_to=redirect_to, message=message
                )
        except IntegrityError:
            return None
        return int(row.pk)
    table = connection.ops.quote_name(FormSubmission._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(c) for c in ("user_id", "token", "at", "redirect_to", "message")
    )
    at = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s) "
            f"ON CONFLICT ({connection.ops.quote_name('user_id')}, "
            f"{connection.ops.quote_name('token')}) DO NOTHING RETURNING "
            f"{connection.ops.quote_name('id')}",
            [user_pk, token, at, redirect_to, message],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else None


def sweep_used_tokens(today: date | None = None) -> int:
    """Forget tokens used more than :data:`KEEP_USED_TOKENS` ago (a scheduler sweep)."""
    deleted, _ = FormSubmission.objects.filter(at__lt=timezone.now() - KEEP_USED_TOKENS).delete()
    return deleted
