"""Long lists are counted only up to a bound (``core.pagination``): the same cost for any
size of table, "More than 500 actions", and pages that still go on (plain links)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import pagination
from core.models import FormSubmission
from core.pagination import BoundedPaginator
from tests.conftest import login
from tests.factories.actions import make_action


def _rows(user, n):
    FormSubmission.objects.bulk_create(
        [FormSubmission(user=user, token=f"token-{i:06d}-xxxxxxxx") for i in range(n)]
    )
    return FormSubmission.objects.order_by("pk")


@pytest.mark.django_db
def test_below_the_bound_it_is_djangos_paginator(alice):
    paginator = BoundedPaginator(_rows(alice, 7), 3, bound=10)
    assert (paginator.count, paginator.capped, paginator.num_pages) == (7, False, 3)
    last = paginator.get_page(99)
    assert last.number == 3 and len(last.object_list) == 1 and not last.has_next()


@pytest.mark.django_db
def test_past_the_bound_the_count_stops_and_the_pages_go_on(alice):
    paginator = BoundedPaginator(_rows(alice, 25), 3, bound=10)
    with CaptureQueriesContext(connection) as ctx:
        assert paginator.count == 11 and paginator.capped
    [count] = ctx.captured_queries
    assert "LIMIT 11" in count["sql"]
    page = paginator.get_page(8)  # rows 22 to 24: past what was counted
    assert [r.token for r in page.object_list] == [f"token-{i:06d}-xxxxxxxx" for i in (21, 22, 23)]
    assert page.has_next() and page.next_page_number() == 9
    last = paginator.get_page(9)
    assert len(last.object_list) == 1 and not last.has_next() and last.has_previous()
    assert paginator.get_page(500).number == paginator.num_pages  # no rows: a counted page
    assert paginator.get_page("x").number == 1


@pytest.mark.django_db
def test_the_action_list_says_more_than_the_bound(monkeypatch, alice, manager, agency_a):
    monkeypatch.setattr(pagination, "COUNT_BOUND", 3)
    for i in range(5):
        make_action(agency=agency_a, lead=alice, by=manager, target_in_days=10 + i)
    page = login(alice).get(reverse("actions:list"))
    text = page.content.decode()
    assert "More than 3 actions." in text
    assert page.context["page"].paginator.capped
    small = login(alice).get(reverse("actions:list") + "?q=nothing-matches-this")
    assert "0 actions." in small.content.decode()
