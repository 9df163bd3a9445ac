"""The challenge log report's board paper: a real PDF (WeasyPrint) of the same figures and
rows as the report page, for the same people; a 503 page, never a 500, where WeasyPrint
cannot load; another agency's reader gets no other agency's case-level rows; and the same
number of queries for 10 and 1,000 challenges."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import Role
from core import paper
from tests.challenge_log.test_queries import seed
from tests.conftest import login
from tests.factories import member
from tests.factories.challenge_log import make_challenge
from tests.overview.test_board_paper import pdf_text

pytestmark = pytest.mark.django_db
URL = reverse("challenges:report-pdf")


@pytest.fixture
def paper_html(monkeypatch) -> list[str]:
    """The paper's HTML, as WeasyPrint would be given it (no PDF made): what it shows."""
    made: list[str] = []

    def render_pdf(html: str, **kwargs: Any) -> bytes:
        made.append(html)
        return b"%PDF-1.7 stand-in"

    monkeypatch.setattr(paper, "_load", lambda: (object(), ""))
    monkeypatch.setattr(paper, "render_pdf", render_pdf)
    return made


@pytest.fixture
def two_challenges(bob, charlie, agency_b, agency_c):
    """A's challenge to B (LCS-A1), and C's to B (LCS-C1)."""
    olive = member(agency_c, Role.AGENCY_LEAD, "olive")
    mine = make_challenge(
        raiser=bob, against=agency_b, case_reference="LCS-A1", today=date(2027, 3, 1)
    )
    theirs = make_challenge(
        raiser=olive, against=agency_b, case_reference="LCS-C1", today=date(2027, 3, 2)
    )
    return mine, theirs


def test_the_pdf_is_a_real_pdf_with_the_title(two_challenges, manager):
    if not paper.available():
        pytest.skip(f"WeasyPrint cannot load: {paper.missing()}")
    response = login(manager).get(URL + "?start=2027-01-01&end=2027-03-31")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="challenge-report-2027-01-01-2027-03-31.pdf"'
    )
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    title = "Board paper: Challenge log report"
    assert title.encode() in text or title.encode("utf-16-be") in text


def test_without_weasyprint_the_pdf_route_says_so(two_challenges, manager, monkeypatch):
    monkeypatch.setattr(paper, "_load", lambda: (None, "OSError: no library called pango"))
    response = login(manager).get(URL + "?start=2027-01-01")
    assert response.status_code == 503
    html = response.content.decode()
    assert "The PDF cannot be made on this server" in html
    assert "libpango" in html
    assert reverse("challenges:export", args=["xlsx"]) + "?start=2027-01-01" in html
    assert reverse("challenges:report") + "?start=2027-01-01" in html


def test_the_paper_has_the_pages_figures_and_rows(two_challenges, manager, paper_html):
    response = login(manager).get(URL)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    (html,) = paper_html
    page = login(manager).get(reverse("challenges:report")).content.decode()
    for needle in (
        "Board paper: Challenge log report</h1>",
        "Challenges raised by and against each agency",
        "Agencies that raised none",
        "LCS-A1",
        "LCS-C1",
        'id="total">2<',
    ):
        assert needle in html, needle
    for needle in ("LCS-A1", "LCS-C1", 'id="total">2<', reverse("challenges:report-pdf")):
        assert needle in page, needle


def test_another_agencys_reader_gets_only_their_agencys_rows(two_challenges, alice, paper_html):
    """Alice (agency A) sees A's challenge to B, not C's challenge to B: not in the
    paper, not on the page, not in the counts."""
    response = login(alice).get(URL)
    assert response.status_code == 200
    (html,) = paper_html
    page = login(alice).get(reverse("challenges:report")).content.decode()
    for text in (html, page):
        assert "LCS-A1" in text
        assert "LCS-C1" not in text
        assert 'id="total">1<' in text
        assert "Royal Free" not in text  # agency C is not named to agency A
        assert "of those your agency raised or received" in text


def test_someone_who_sees_no_challenges_gets_an_empty_paper(two_challenges, li, paper_html):
    """A partnership role without view_all_challenges sees none: the paper has no rows."""
    assert login(li).get(URL).status_code == 200
    (html,) = paper_html
    assert "LCS-" not in html and "No challenges in the period" in html


def test_a_wrong_period_is_said_on_the_page(manager, paper_html):
    response = login(manager).get(URL + "?start=2027-03-31&end=2027-01-01")
    assert response.status_code == 400
    assert not paper_html
    html = response.content.decode()
    # in the GOV.UK error summary, linking to the field
    assert "govuk-error-summary" in html
    assert '<a href="#id_end">The end of the period must be after its start</a>' in html


def test_only_get(manager):
    assert login(manager).post(URL).status_code == 405


def count(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx)


@pytest.mark.parametrize("who", ["manager", "alice"])
def test_same_queries_for_10_and_1000(
    who, request, alice, agency_a, agency_b, paper_html, django_assert_num_queries
):
    user = request.getfixturevalue(who)
    seed(10, raiser=alice, agency=agency_a, against=agency_b)
    client = login(user)
    client.get(URL)  # warm the caches
    small = count(client, URL)
    seed(990, raiser=alice, agency=agency_a, against=agency_b)
    with django_assert_num_queries(small):
        assert client.get(URL).status_code == 200
    assert "The 100 most recent of 1000" in paper_html[-1]
