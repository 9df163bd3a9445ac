"""Lists cost the same number of queries for 5 and for 50 actions."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actions import exporting
from tests.conftest import login
from tests.factories.actions import make_action, make_recommendation, make_review


def seed(n, agency, lead, manager, review):
    recs = list(review.recommendations.all()) or [
        make_recommendation(review, i + 1) for i in range(3)
    ]
    for i in range(n):
        make_action(
            agency=agency, lead=lead, by=manager, source=recs[i % 3], target_in_days=(i % 40) - 10
        )


def count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url_name", ["actions:list", "actions:mine", "scr:review", "actions:li-queue"]
)
def test_same_queries_for_5_and_50_actions(
    url_name, alice, li, manager, agency_a, django_assert_num_queries
):
    review = make_review(lead_agency=agency_a)
    user = li if url_name == "actions:li-queue" else alice
    url = reverse(url_name, args=[review.pk]) if url_name == "scr:review" else reverse(url_name)
    seed(5, agency_a, alice, manager, review)
    client = login(user)
    client.get(url)  # warm caches (content types, partnership row)
    small = count(client, url)
    seed(45, agency_a, alice, manager, review)
    with django_assert_num_queries(small):
        assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_export_rows_cost_the_same_for_5_and_50(
    alice, manager, agency_a, django_assert_num_queries
):
    from django.utils import timezone

    from actions.selectors import action_list

    review = make_review(lead_agency=agency_a)
    seed(5, agency_a, alice, manager, review)
    exporting.export_rows(
        exporting.action_plan_queryset(action_list(user=alice)), timezone.localdate()
    )  # warm caches (content types)
    with CaptureQueriesContext(connection) as ctx:
        exporting.export_rows(
            exporting.action_plan_queryset(action_list(user=alice)), timezone.localdate()
        )
    small = len(ctx)
    seed(45, agency_a, alice, manager, review)
    with django_assert_num_queries(small):
        rows = exporting.export_rows(
            exporting.action_plan_queryset(action_list(user=alice)), timezone.localdate()
        )
    assert len(rows) == 50
