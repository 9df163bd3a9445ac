"""Reminders before and after a form's due date (a daily sweep, ``core.sweeps``).

A form still open (assigned, in progress or returned) is reminded once when it falls
due within ``BEFORE_DAYS`` days and once when it is overdue, to whoever holds it (else
to its agency's auditors); the overdue one also to the audit's lead. Each is sent once
(``AuditForm.reminded``), so a sweep run twice sends nothing more. A fixed number of
queries whatever the number of forms."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction

from agencies.selectors import members_holding
from audits.models import EDITABLE_FORM_STATES, AuditForm, AuditState
from core.outbox import Message, notify_many

BEFORE_DAYS = 5
BEFORE, AFTER = "before", "after"


@transaction.atomic
def remind(today: date) -> int:
    open_forms = AuditForm.objects.filter(
        state__in=EDITABLE_FORM_STATES, audit__state=AuditState.IN_PROGRESS, due_on__isnull=False
    ).select_related("audit__lead", "case", "agency", "assignee")
    due_soon = list(
        open_forms.filter(
            due_on__gte=today, due_on__lte=today + timedelta(days=BEFORE_DAYS)
        ).exclude(reminded__in=[BEFORE, AFTER])[:5000]
    )
    overdue = list(open_forms.filter(due_on__lt=today).exclude(reminded=AFTER)[:5000])
    auditors = members_holding("complete_audit_form", {f.agency_id for f in due_soon + overdue})
    messages = []
    for form, when in [(f, BEFORE) for f in due_soon] + [(f, AFTER) for f in overdue]:
        people = [form.assignee] if form.assignee else auditors.get(form.agency_id, [])
        if when == AFTER:
            people = [*people, form.audit.lead]
        messages.append(
            Message(
                recipients=people,
                subject=(
                    f"Audit form due {form.due_on:%-d %B}: {form}"
                    if when == BEFORE
                    else f"Audit form overdue: {form}"
                ),
                body=(
                    f"The form for {form} in “{form.audit.title}” is "
                    + (
                        f"due by {form.due_on:%-d %B %Y}."
                        if when == BEFORE
                        else f"overdue: it was due by {form.due_on:%-d %B %Y}."
                    )
                ),
                dedupe_key=f"audit-form-{when}:{form.pk}:{form.due_on.isoformat()}",
                link=form.get_absolute_url(),
            )
        )
    sent = notify_many(messages)
    for when, forms in ((BEFORE, due_soon), (AFTER, overdue)):
        if forms:
            AuditForm.objects.filter(pk__in=[f.pk for f in forms]).update(reminded=when)
    return sent
