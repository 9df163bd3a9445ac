"""The filters the overview links with and the list page has no control for are said on
the page and kept by "Apply filters"."""

from __future__ import annotations

import pytest
from django.utils.html import escape

from tests.conftest import login
from tests.factories.actions import make_action, make_recommendation, make_review

pytestmark = pytest.mark.django_db


def test_a_filter_without_a_control_is_said_and_carried(agency_a, alice, manager):
    review = make_review(title="Filters review", pseudonym="Child F", lead_agency=agency_a)
    rec = make_recommendation(review, 1, "Share")
    make_action(agency=agency_a, lead=alice, by=manager, source=rec, reference="F-1")
    client = login(manager)
    plain = client.get("/actions/").content.decode()
    assert "Also filtered by" not in plain
    page = client.get("/actions/?extended=yes&due_from=2026-01-01").content.decode()
    assert "Also filtered by" in page
    assert 'type="hidden" name="extended" value="yes"' in page
    assert 'name="due_from" value="2026-01-01"' in page


def test_owner_counts_only_the_owner_where_agency_counts_contributors(
    agency_a, agency_b, alice, charlie, manager
):
    """The overview's figures by agency count the actions an agency owns and link with
    ``owner``: the list shows exactly those; ``agency`` adds the ones it contributes to."""
    review = make_review(title="Owner review", pseudonym="Child O", lead_agency=agency_a)
    rec = make_recommendation(review, 1, "Share")
    owned = make_action(agency=agency_a, lead=alice, by=manager, source=rec, reference="O-1")
    shared = make_action(agency=agency_b, lead=charlie, by=manager, source=rec, reference="O-2")
    shared.contributing_agencies.add(agency_a)
    client = login(manager)
    by_owner = client.get(f"/actions/?owner={agency_a.pk}").content.decode()
    assert owned.reference in by_owner and shared.reference not in by_owner
    assert f"<strong>Owned by</strong>: {escape(agency_a.label)}" in by_owner
    by_agency = client.get(f"/actions/?agency={agency_a.pk}").content.decode()
    assert owned.reference in by_agency and shared.reference in by_agency
    api = client.get(f"/api/v1/actions/?owner={agency_a.pk}").json()
    assert [row["reference"] for row in api["results"]] == ["O-1"]
