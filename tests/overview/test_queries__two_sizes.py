"""Issue 9, "Must hold": the overview, the board paper (PDF, XLSX) and the summary on My
work cost the same number of queries for 10 and for 10,000 actions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actions.models import Action, ActionState, ExtensionRequest, LearningCheck, Verdict
from core import paper as pdf
from core.overview import Period, build_overview
from tests.conftest import login

pytestmark = pytest.mark.django_db

STATES = list(ActionState.values)


def bulk(n, agencies, lead, start=0):
    """``n`` actions spread over the agencies, states and a year of target dates, with
    extensions, extension requests and learning checks, made in a few bulk inserts."""
    today = timezone.localdate()
    made = Action.objects.bulk_create(
        Action(
            agency=agencies[i % len(agencies)],
            lead=lead,
            description=f"Bulk action {i}",
            reference=f"B{i}",
            target_date=today + timedelta(days=(i % 400) - 300),
            state=STATES[i % len(STATES)],
            extensions=i % 3 == 0,
        )
        for i in range(start, start + n)
    )
    ExtensionRequest.objects.bulk_create(
        ExtensionRequest(
            action=a, asked_by=lead, new_target_date=today + timedelta(days=30), reason="r"
        )
        for a in made[::4]
    )
    verdicts = list(Verdict.values)
    LearningCheck.objects.bulk_create(
        LearningCheck(
            action=a,
            due_on=today,
            method="survey",
            evidence="found",
            verdict=verdicts[i % 3],
        )
        for i, a in enumerate(made[::5])
    )


def queries(fn):
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx)


@pytest.fixture
def grow(agency_a, agency_b, alice):
    state = {"made": 0}

    def to(n):
        bulk(n - state["made"], [agency_a, agency_b], alice, start=state["made"])
        state["made"] = n
        assert Action.objects.count() == n

    return to


def test_build_costs_the_same_for_10_and_10000(grow, chair, django_assert_num_queries):
    grow(10)
    build_overview(chair, Period.ending(), only=["actions"])  # warm caches
    small = queries(lambda: build_overview(chair, Period.ending(), only=["actions"]))
    assert small <= 4
    grow(10_000)
    with django_assert_num_queries(small):
        (section,) = build_overview(chair, Period.ending(), only=["actions"])
    assert section.figures.key_figures[0].value == 10_000


@pytest.mark.parametrize(
    "url_name",
    ["overview:index", "overview:xlsx", "home", "overview:pdf"],
)
def test_pages_cost_the_same_for_10_and_10000(grow, chair, url_name, django_assert_num_queries):
    if url_name == "overview:pdf" and not pdf.available():
        pytest.skip(f"WeasyPrint cannot load: {pdf.missing()}")
    client = login(chair)
    url = reverse(url_name)
    grow(10)
    assert client.get(url).status_code == 200  # warm caches
    small = queries(lambda: client.get(url))
    grow(10_000)
    with django_assert_num_queries(small):
        assert client.get(url).status_code == 200
