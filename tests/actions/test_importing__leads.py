"""The importer's check refuses a lead who is a member of the row's agency but may not
lead its actions (``update_action``: its agency leads and designated safeguarding leads
may; action creation would refuse anyone else), with a row problem, in a fixed
number of queries however many rows and agencies the file names."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from actions import importing
from actions.models import Action
from agencies.models import Role
from tests.factories import AgencyFactory, member
from tests.factories.actions import make_recommendation, make_review

SCR = "Child T serious case review"


def plan(rows: list[tuple[str, str]]) -> bytes:
    """One action per (agency, lead)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(importing.COLUMNS)
    for i, (agency, lead) in enumerate(rows):
        writer.writerow([SCR, "1", "", f"1.{i}", f"Action {i}", agency, lead, "2027-03-31"])
    return buffer.getvalue().encode()


@pytest.fixture
def review(db):
    review = make_review(title=SCR)
    make_recommendation(review, 1)
    return review


@pytest.mark.django_db
@pytest.mark.parametrize("lead", ["bob", "bob@example.org", "Bob Baker"])
def test_a_member_who_may_not_lead_is_refused_at_the_check(
    review, alice, bob, ann, amy, manager, agency_a, lead
):
    bob.first_name, bob.last_name = "Bob", "Baker"
    bob.save()
    result = importing.dry_run(
        file=plan(
            [
                (agency_a.name, "alice"),
                (agency_a.name, lead),
                (agency_a.name, "amy"),  # an auditor
                (agency_a.name, "ann"),  # a designated lead (issue 9): may lead
            ]
        ),
        filename="plan.csv",
        by=manager,
    )
    assert [(p.row, p.column, p.message) for p in result.problems] == [
        (
            3,
            "Lead",
            importing.LEAD_NOT_AGENCY_LEAD.format(value=lead, agency=agency_a.name),
        ),
        (
            4,
            "Lead",
            importing.LEAD_NOT_AGENCY_LEAD.format(value="amy", agency=agency_a.name),
        ),
    ]
    # and the import itself refuses the file, writing nothing
    result = importing.import_plan(
        file=plan([(agency_a.name, lead)]), filename="plan.csv", by=manager
    )
    assert not result.ok and not Action.objects.exists()


@pytest.mark.django_db
def test_an_agency_lead_of_another_agency_is_refused(review, alice, charlie, manager, agency_a):
    result = importing.dry_run(
        file=plan([(agency_a.name, "charlie")]), filename="plan.csv", by=manager
    )
    assert [p.message for p in result.problems] == [
        importing.LEAD_NOT_IN_AGENCY.format(value="charlie", agency=agency_a.name)
    ]


@pytest.mark.django_db
def test_the_lead_check_costs_the_same_for_two_agencies_as_for_twelve(review, manager):
    agencies = []
    for i in range(12):
        agency = AgencyFactory(name=f"Agency {i}")
        member(agency, Role.AGENCY_LEAD, f"lead{i}")
        member(agency, Role.PRACTITIONER, f"practitioner{i}")
        agencies.append(agency)

    def queries(n: int) -> int:
        rows = [
            (agencies[i].name, f"{kind}{i}") for i in range(n) for kind in ("lead", "practitioner")
        ]
        with CaptureQueriesContext(connection) as ctx:
            result = importing.parse_plan(plan(rows), "plan.csv")
        assert len(result.rows) == n and len(result.problems) == n
        return len(ctx)

    assert queries(12) == queries(2)
