"""The summary on My work (``core.overview.build_overview_summary``): every section's key
figures, the same as its full ``build``'s, in a few aggregates (no table built), at the
same cost for a small and a large partnership."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from actions.models import Milestone
from agencies.models import AgencyKind
from core.overview import Period, build_overview, build_overview_summary
from improvement_plan import overview as plan_overview
from improvement_plan import rag, selectors
from tests.challenge_log.test_queries import seed as seed_challenges
from tests.factories import AgencyFactory
from tests.factories.challenge_log import make_challenge
from tests.factories.improvement_plan import seed_plan
from tests.overview.test_queries__two_sizes import bulk

pytestmark = pytest.mark.django_db


@pytest.fixture
def health(db):
    """The seed plan's contributing health trust."""
    return AgencyFactory(
        name="Royal Free London NHS Foundation Trust", kind=AgencyKind.HEALTH_PROVIDER
    )


def key_figures(sections):
    return {s.key: [(f.label, f.value, f.url) for f in s.figures.key_figures] for s in sections}


@pytest.fixture
def partnership(plan, health, manager, chair, charlie, bob, agency_b):
    """Actions in every state (``plan``), the seed's improvement plan, a challenge."""
    improvement_plan = seed_plan(manager=manager, chair=chair, police=charlie)
    make_challenge(raiser=bob, against=agency_b, today=timezone.localdate())
    # an overdue line action whose milestones are all met counts green in the plan
    met = Milestone.objects.filter(action__isnull=False).values_list("action", flat=True)
    if met:
        Milestone.objects.filter(action=met[0]).update(completed_on=timezone.localdate())
    return improvement_plan


@pytest.mark.parametrize("days", [0, 45, 200, 800])
def test_the_summary_is_the_builds_key_figures(partnership, chair, manager, alice, days):
    period = Period.ending(timezone.localdate() + timedelta(days=days))
    for user in (chair, manager, alice):
        summary = key_figures(build_overview_summary(user, period))
        assert summary == key_figures(build_overview(user, period))
        assert not any(s.figures.tables for s in build_overview_summary(user, period))


@pytest.mark.parametrize("days", [0, 45, 200, 800])
def test_the_plans_figures_are_the_plan_tables(partnership, chair, days):
    """The RAG worked out in the database is the one the plan's table rolls up."""
    today = timezone.localdate() + timedelta(days=days)
    table = selectors.plan_table(chair, partnership, today=today)
    (section,) = build_overview(chair, Period.ending(today), only=["improvement_plan"])
    by_objective = section.figures.tables[1]
    for objective_row, row in zip(table.objectives, by_objective.rows, strict=True):
        found = [line.rollup.rag for line in objective_row.lines]
        assert [c.value for c in row.cells] == [found.count(r) for r in rag.ORDER]
    assert sum(c.value for row in by_objective.rows for c in row.cells) == sum(
        1 for o in table.objectives for line in o.lines if line.rollup.rag in rag.ORDER
    )


def test_the_summary_costs_the_same_for_a_small_and_a_large_partnership(
    chair, manager, charlie, alice, agency_a, agency_b, health, django_assert_num_queries
):
    bulk(10, [agency_a, agency_b], alice)
    seed_plan(manager=manager, chair=chair, police=charlie)
    seed_challenges(10, raiser=alice, agency=agency_a, against=agency_b)
    build_overview_summary(chair)  # warm caches
    with CaptureQueriesContext(connection) as ctx:
        build_overview_summary(chair)
    small = len(ctx)
    # the actions: in a test's open transaction the kept figures are computed afresh (the
    # amber window, the scan) and the visible agencies read: three queries
    assert small <= 8
    bulk(3_000, [agency_a, agency_b], alice, start=10)
    seed_plan(manager=manager, chair=chair, police=charlie, copies=5)
    seed_challenges(500, raiser=alice, agency=agency_a, against=agency_b)
    with django_assert_num_queries(small):
        build_overview_summary(chair)
    # and the whole overview stays bounded too
    with CaptureQueriesContext(connection) as ctx:
        build_overview(chair)
    assert len(ctx) <= 15


def test_a_plan_not_there_is_no_section(chair):
    assert plan_overview.summary(chair, Period.ending(date(2027, 1, 1))) is None
