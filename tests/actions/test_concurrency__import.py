"""The same plan imported twice at the same moment (a double click on "Import N
actions", two managers with the same file), on PostgreSQL: it is imported once, and the
second import reports every row as already in the plan."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from actions import importing
from actions.models import Action
from tests.factories.actions import make_recommendation, make_review

HEADER = "Review,Recommendation no.,Recommendation,Action ref,Action,Agency,Lead,Target date\n"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_imports_of_the_same_file_at_once_create_the_actions_once(alice, agency_a, manager):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's locks: SQLite serialises writers (make test runs both)")
    review = make_review(lead_agency=agency_a)
    make_recommendation(review, 1)
    data = (
        HEADER
        + "".join(
            f"{review.title},1,,1.{i},Action {i},{agency_a.name},alice,2027-03-31\n"
            for i in range(20)
        )
    ).encode()

    barrier = threading.Barrier(2)
    outcomes: list[importing.ImportResult] = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            outcomes.append(importing.import_plan(file=data, filename="plan.csv", by=manager))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert len(outcomes) == 2
    done, refused = sorted(outcomes, key=lambda r: not r.ok)
    assert done.ok and len(done.created) == 20
    assert not refused.ok and not refused.created
    assert {p.message for p in refused.problems} == {importing.ALREADY_IN_PLAN}
    assert Action.objects.count() == 20
