"""The audits' section of the partnership overview: the same numbers as the filtered
list, only what the viewer may see, and a fixed number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audits import overview
from audits.models import AuditState as A
from core.overview import Period
from tests.conftest import login
from tests.factories.audits import make_audit

pytestmark = pytest.mark.django_db


def test_figures_match_the_list_and_hide_other_agencies(qa, agency_a, agency_b, charlie):
    make_audit(lead=qa, agencies=[agency_a], title="ALPHA audit")
    make_audit(lead=qa, agencies=[agency_a], title="ALPHA planned", state=A.PLANNING)
    make_audit(lead=qa, agencies=[agency_b], title="BRAVO audit")
    figures = overview.build(qa, Period.ending())
    assert figures is not None
    in_progress = figures.key_figures[0]
    assert in_progress.value == 2
    page = login(qa).get(in_progress.url).content.decode()
    rows = '<td class="govuk-table__cell"><a class="govuk-link" href="/audits/'
    assert page.count(rows) == in_progress.value and "ALPHA planned" not in page
    theirs = overview.build(charlie, Period.ending())
    assert theirs is not None and theirs.key_figures[0].value == 1
    listed = login(charlie).get(theirs.key_figures[0].url).content.decode()
    assert "BRAVO audit" in listed and "ALPHA" not in listed


def test_the_section_costs_the_same_at_two_sizes(qa, agency_a):
    make_audit(lead=qa, agencies=[agency_a], state=A.PLANNING)
    with CaptureQueriesContext(connection) as small:
        overview.build(qa, Period.ending())
    for n in range(5):
        make_audit(lead=qa, agencies=[agency_a], title=f"Audit {n}", state=A.SAMPLING)
    with CaptureQueriesContext(connection) as large:
        overview.build(qa, Period.ending())
    assert len(small) == len(large)
