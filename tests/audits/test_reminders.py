"""Reminders before and after a form's due date, once each (the daily sweep)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from audits.models import AuditForm
from audits.reminders import remind
from core.models import Notification
from core.sweeps import SWEEPS
from tests.factories.audits import form_of, make_audit, submitted

pytestmark = pytest.mark.django_db


def test_reminded_before_and_after_the_due_date_once_each(qa, agency_a, amy):
    audit = make_audit(lead=qa, agencies=[agency_a], references=["LCS-1", "LCS-2"], due_in_days=3)
    submitted(form_of(audit, agency_a, "LCS-2"), by=amy)  # a submitted form is not reminded
    today = timezone.localdate()
    Notification.objects.all().delete()
    assert remind(today) == 1
    assert Notification.objects.get().subject.startswith("Audit form due")
    assert remind(today) == 0  # once
    later = today + timedelta(days=4)
    assert remind(later) == 2  # the auditor and the audit's lead
    assert {n.subject[:18] for n in Notification.objects.filter(subject__contains="overdue")} == {
        "Audit form overdue"
    }
    assert remind(later) == 0
    assert set(AuditForm.objects.values_list("reminded", flat=True)) == {"after", ""}
    assert "audits.form_reminders" in SWEEPS
