"""The filters the overview links with and the list page has no control for are said on
the page and kept by "Apply filters"."""

from __future__ import annotations

import pytest

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
