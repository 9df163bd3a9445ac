"""The plan page, its progress page, its export and the API's lines cost the same number
of queries for the seed's plan as for a plan ten times its size."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actions.models import Action
from tests.conftest import login
from tests.factories.improvement_plan import seed_plan

pytestmark = pytest.mark.django_db


def count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def test_the_same_queries_for_the_seed_and_ten_times_it(plan, manager, chair, charlie):
    big = seed_plan(manager=manager, chair=chair, police=charlie, copies=10)
    assert Action.objects.count() == 63 * 11
    client = login(manager)
    for name in ("improvement_plan:detail", "improvement_plan:progress", "improvement_plan:export"):
        small_n = count(client, reverse(name, args=[plan.pk]))
        big_n = count(client, reverse(name, args=[big.pk]))
        print(name, small_n, big_n)
        assert small_n == big_n, name
    small_n = count(client, f"/api/v1/plan-lines/?plan={plan.pk}&limit=1000")
    big_n = count(client, f"/api/v1/plan-lines/?plan={big.pk}&limit=1000")
    assert small_n == big_n
    # an agency user (a contributor) costs the same too
    dana_client = login(charlie)
    assert count(dana_client, reverse("improvement_plan:detail", args=[plan.pk])) == count(
        dana_client, reverse("improvement_plan:detail", args=[big.pk])
    )
