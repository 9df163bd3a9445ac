"""Findings, the findings' export and an auditor's form list cost the same number of
queries at two sizes: 2 cases by 2 agencies, and 200 cases by 6 agencies (1,200 forms,
3,600 graded answers)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import AgencyKind, Role
from audits import formengine
from audits.models import Answer, AuditCase, AuditForm, FormState, Grade
from tests.conftest import login
from tests.factories import AgencyFactory, member
from tests.factories.audits import make_audit, make_version

pytestmark = pytest.mark.django_db


def build(qa, auditor_agency, *, cases: int, agencies: int):
    """An audit in moderation with every form accepted and graded, made in bulk (the
    findings read the rows; how they got there is the services' tests' business)."""
    others: list[Any] = [
        AgencyFactory(name=f"Agency {n}", kind=AgencyKind.HEALTH_PROVIDER)
        for n in range(agencies - 1)
    ]
    version = make_version()
    audit = make_audit(
        lead=qa, agencies=[auditor_agency, *others], version=version, references=["X-000"]
    )
    case_rows = AuditCase.objects.bulk_create(
        AuditCase(audit=audit, reference=f"X-{n:03d}") for n in range(1, cases)
    )
    AuditForm.objects.bulk_create(
        AuditForm(audit=audit, case=case, agency=agency, state=FormState.ACCEPTED)
        for case, agency in itertools.product(case_rows, [auditor_agency, *others])
    )
    loaded = formengine.load_version(version.pk)
    graded = [q for q in formengine.visible_questions(loaded, "other") if q.answer_type == "grade"]
    grades = list(Grade.objects.filter(scale=version.scale))
    Answer.objects.bulk_create(
        Answer(form=form, question=q, grade=grades[(form.pk + q.pk) % len(grades)])
        for form in AuditForm.objects.filter(audit=audit, state=FormState.ACCEPTED)
        for q in graded
    )
    return audit


def count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("page", ["audits:findings", "audits:findings-export"])
def test_findings_cost_the_same_at_two_sizes(qa, agency_a, page):
    client = login(qa)
    small = build(qa, agency_a, cases=2, agencies=2)
    large = build(qa, agency_a, cases=200, agencies=6)
    assert AuditForm.objects.filter(audit=large, state=FormState.ACCEPTED).count() == 199 * 6
    kwargs = {"fmt": "csv"} if page.endswith("export") else {}
    at_small = count(client, reverse(page, kwargs={"pk": small.pk, **kwargs}))
    at_large = count(client, reverse(page, kwargs={"pk": large.pk, **kwargs}))
    assert at_small == at_large, (at_small, at_large)


def test_an_auditors_form_list_costs_the_same_at_two_sizes(qa, agency_a):
    auditor = member(agency_a, Role.AUDITOR, "auditor")
    client = login(auditor)
    build(qa, agency_a, cases=2, agencies=1)
    at_small = count(client, reverse("audits:my-forms"))
    build(qa, agency_a, cases=120, agencies=2)
    at_large = count(client, reverse("audits:my-forms"))
    assert at_small == at_large, (at_small, at_large)
    api_small = count(client, reverse("audit-form-list") + "?mine=1")
    assert api_small == count(client, reverse("audit-form-list") + "?mine=1")
