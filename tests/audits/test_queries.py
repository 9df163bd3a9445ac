"""Findings, the findings' export and an auditor's form list cost the same number of
queries at two sizes: a small audit (2 cases by 2 agencies) and one of 10,000 forms
(2,000 cases by 5 agencies, 20,000 graded answers), made in bulk."""

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

LARGE_CASES, LARGE_AGENCIES = 2000, 5  # 10,000 accepted forms


def build(qa, auditor_agency, *, cases: int, agencies: int, prefix: str = "X"):
    """An audit in moderation with ``cases`` x ``agencies`` forms accepted and graded,
    made in bulk (the findings read the rows; how they got there is the services'
    tests' business). The first case's forms come through the services (the audit's
    forms open), the rest in bulk."""
    others: list[Any] = [
        AgencyFactory(name=f"{prefix} agency {n}", kind=AgencyKind.HEALTH_PROVIDER)
        for n in range(agencies - 1)
    ]
    version = make_version()
    audit = make_audit(
        lead=qa, agencies=[auditor_agency, *others], version=version, references=[f"{prefix}-0"]
    )
    case_rows = AuditCase.objects.bulk_create(
        (AuditCase(audit=audit, reference=f"{prefix}-{n:05d}") for n in range(1, cases + 1)),
        batch_size=2000,
    )
    if not case_rows or case_rows[0].pk is None:  # a backend that does not return ids
        case_rows = list(AuditCase.objects.filter(audit=audit).exclude(reference=f"{prefix}-0"))
    AuditForm.objects.bulk_create(
        (
            AuditForm(audit=audit, case=case, agency=agency, state=FormState.ACCEPTED)
            for case, agency in itertools.product(case_rows, [auditor_agency, *others])
        ),
        batch_size=2000,
    )
    loaded = formengine.load_version(version.pk)
    graded = [q for q in formengine.visible_questions(loaded, "other") if q.answer_type == "grade"]
    grades = list(Grade.objects.filter(scale=version.scale))
    form_ids = AuditForm.objects.filter(audit=audit, state=FormState.ACCEPTED).values_list(
        "pk", flat=True
    )
    Answer.objects.bulk_create(
        (
            Answer(form_id=pk, question=q, grade=grades[(pk + q.pk) % len(grades)])
            for pk in form_ids.iterator(chunk_size=2000)
            for q in graded
        ),
        batch_size=2000,
    )
    return audit


def count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.fixture
def two_sizes(qa, agency_a):
    small = build(qa, agency_a, cases=2, agencies=2, prefix="S")
    large = build(qa, agency_a, cases=LARGE_CASES, agencies=LARGE_AGENCIES, prefix="L")
    accepted = AuditForm.objects.filter(audit=large, state=FormState.ACCEPTED).count()
    assert accepted == LARGE_CASES * LARGE_AGENCIES == 10_000
    return small, large


@pytest.mark.parametrize("page", ["audits:findings", "audits:findings-export", "audits:paper"])
def test_findings_cost_the_same_for_2_and_10000_forms(qa, two_sizes, page):
    small, large = two_sizes
    client = login(qa)
    kwargs = {"fmt": "csv"} if page.endswith("export") else {}
    if page == "audits:paper":
        from core import paper

        if not paper.available():  # the 503 page costs nothing worth counting
            pytest.skip(f"WeasyPrint cannot load: {paper.missing()}")
    at_small = count(client, reverse(page, kwargs={"pk": small.pk, **kwargs}))
    at_large = count(client, reverse(page, kwargs={"pk": large.pk, **kwargs}))
    assert at_small == at_large, (at_small, at_large)


def test_an_auditors_form_list_costs_the_same_for_2_and_10000_forms(qa, agency_a):
    auditor = member(agency_a, Role.AUDITOR, "auditor")
    client = login(auditor)
    build(qa, agency_a, cases=2, agencies=1, prefix="S")
    at_small = count(client, reverse("audits:my-forms"))
    api_small = count(client, reverse("audit-form-list") + "?mine=1")
    build(qa, agency_a, cases=LARGE_CASES, agencies=LARGE_AGENCIES, prefix="L")
    assert AuditForm.objects.count() >= 10_000
    at_large = count(client, reverse("audits:my-forms"))
    assert at_small == at_large, (at_small, at_large)
    api_large = count(client, reverse("audit-form-list") + "?mine=1")
    assert api_small == api_large, (api_small, api_large)
