"""Issue 13: ``field__in_literal`` (``core.lookups``) filters as ``__in`` does, and on
SQLite it lets the planner pick a partial index on the open rows, which a bound ``IN``
list never does there: the L&I queue and the challenge log's open tab walk their index
in order instead of sorting every matching row."""

from __future__ import annotations

import pytest
from django.db import connection

from actions import selectors as actions
from actions.models import LI_QUEUE_STATES, Action
from actions.models import ActionState as S
from challenge_log import selectors as challenges
from challenge_log.models import OPEN_STATES
from core.lookups import refresh_statistics
from tests.challenge_log.test_queries import seed
from tests.factories import ActionFactory, walk_to

pytestmark = pytest.mark.django_db

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="SQLite's planner only: PostgreSQL proves a bound IN list implies the index's "
    "condition, and on a table of a few rows it rightly prefers a sequential scan",
)


def test_it_filters_as_in_does(agency_a, alice, manager):
    waiting = ActionFactory(agency=agency_a, lead=alice, by=manager)
    walk_to(waiting, S.EVIDENCE_SUBMITTED, lead=alice)
    ActionFactory(agency=agency_a, lead=alice, by=manager)  # assigned: not waiting
    literal = set(Action.objects.filter(state__in_literal=LI_QUEUE_STATES))
    bound = set(Action.objects.filter(state__in=LI_QUEUE_STATES))
    assert literal == bound == {waiting}
    # a quote in a value is doubled, not an opening for SQL
    assert not Action.objects.filter(state__in_literal=["x' OR '1'='1"]).exists()


@pytest.mark.parametrize("values", [[], [None], Action.objects.values("state")])
def test_it_takes_only_a_list_of_strings(values):
    with pytest.raises(TypeError, match="in_literal"):
        list(Action.objects.filter(state__in_literal=values))


def _plan(qs) -> str:
    return qs.explain()


@pytest.fixture
def some_of_each(agency_a, alice, manager):
    """A few actions in most states, and the statistics the daily sweep gathers."""
    for state in (S.ASSIGNED, S.IN_PROGRESS, S.EVIDENCE_SUBMITTED, S.ACCEPTED):
        for _ in range(3):
            walk_to(ActionFactory(agency=agency_a, lead=alice, by=manager), state, lead=alice)
    refresh_statistics()


@sqlite_only
def test_the_li_queue_walks_its_partial_index_on_sqlite(some_of_each, li):
    assert "action_li_queue_idx" in _plan(actions.li_queue(user=li))
    # the same filter with bound parameters does not: the reason the lookup exists
    assert "action_li_queue_idx" not in _plan(
        Action.objects.filter(state__in=LI_QUEUE_STATES).order_by("modified", "pk")
    )


@sqlite_only
def test_the_open_challenges_walk_their_partial_index_on_sqlite(chair, alice, agency_a, agency_b):
    seed(300, raiser=alice, agency=agency_a, against=agency_b)
    refresh_statistics()
    for user in (chair, alice):
        plan = _plan(challenges.challenge_list(user=user, states=OPEN_STATES))
        assert "challenge_open_list_idx" in plan, plan
