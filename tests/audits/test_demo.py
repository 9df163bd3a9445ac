"""The demo audits: a neglect audit in progress with forms at every state for the three
auditors, and a finished CSE audit whose recommendations are actions; loaded twice,
nothing doubles."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from actions.models import Action
from audits.demo import CSE, NEGLECT
from audits.models import Audit, AuditForm, FormState
from audits.models import AuditState as A


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.django_db
def test_the_demo_audits(db):
    call_command("load_demo", verbosity=0)
    neglect = Audit.objects.get(title=NEGLECT)
    assert neglect.state == A.IN_PROGRESS
    states = set(AuditForm.objects.filter(audit=neglect).values_list("state", flat=True))
    assert states == {s.value for s in FormState}
    for username in ("police.auditor", "health.auditor", "csc.auditor"):
        assert AuditForm.objects.filter(
            audit=neglect, agency__memberships__user__username=username
        ).exists()
    cse = Audit.objects.get(title=CSE)
    assert cse.state == A.SIGNED_OFF
    assert Action.objects.filter(reference__startswith=f"A{cse.pk}.").count() == 2
    forms, audits = AuditForm.objects.count(), Audit.objects.count()
    call_command("load_demo", verbosity=0)
    assert (AuditForm.objects.count(), Audit.objects.count()) == (forms, audits)
