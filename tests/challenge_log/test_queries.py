"""The challenge list, the Chair's queue, the report and the export cost the same number of
queries for 10 challenges and for 10,000."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from challenge_log.models import Challenge, ChallengeState, Stage
from tests.conftest import login

S = ChallengeState
STATES = [S.AWAITING_RESPONSE, S.RESPONDED, S.RESOLVED, S.RESOLVED_BY_CHAIR, S.WITHDRAWN]


def seed(n, *, raiser, agency, against):
    """``n`` challenges in every state and stage, written in bulk (the life of each is
    tested elsewhere: here only the number of rows matters)."""
    stages = list(Stage.objects.order_by("number"))
    start = date(2027, 1, 4)
    Challenge.objects.bulk_create(
        [
            Challenge(
                kind="professional",
                case_reference=f"LCS-{i}",
                raised_by=raiser,
                raised_by_agency=agency,
                challenged_agency=against,
                area="thresholds",
                summary="s",
                outcome_sought="o",
                raised_on=start + timedelta(days=i % 90),
                state=STATES[i % len(STATES)],
                stage=stages[i % len(stages)],
                highest_stage=stages[i % len(stages)].number,
                deadline=start + timedelta(days=i % 90 + 7),
                resolved_on=start + timedelta(days=i % 90 + i % 11),
            )
            for i in range(n)
        ],
        batch_size=2000,
    )


def count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "who"),
    [
        ("challenges:list", "alice"),
        ("challenges:list?show=all", "manager"),
        ("challenges:chair", "manager"),
        ("challenges:report", "manager"),
        ("challenges:report?start=2027-01-01&end=2027-03-31", "alice"),
        ("challenge-list", "alice"),
    ],
)
def test_same_queries_for_10_and_10000(
    url, who, request, alice, manager, agency_a, agency_b, django_assert_num_queries
):
    user = request.getfixturevalue(who)
    name, _, query = url.partition("?")
    full = reverse(name) + (f"?{query}" if query else "")
    seed(10, raiser=alice, agency=agency_a, against=agency_b)
    client = login(user)
    client.get(full)  # warm the caches (content types, the partnership row)
    small = count(client, full)
    seed(9_990, raiser=alice, agency=agency_a, against=agency_b)
    with django_assert_num_queries(small):
        assert client.get(full).status_code == 200
    print(f"{url} as {who}: {small} queries")
