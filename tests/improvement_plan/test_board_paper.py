"""The plan's board paper: the plan page prints as one (``app-report``, controls
``app-no-print``) and links to its PDF and XLSX; the PDF (WeasyPrint, from the page's own
section templates) is a real PDF with the title; where WeasyPrint cannot load the route
answers a 503 page, never a 500; the PDF shows whoever asks what the plan page shows them
(the same filters, the same lines), at the same number of queries for the seed's plan and
for one ten times its size."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import paper as pdf
from tests.conftest import login
from tests.factories.improvement_plan import seed_plan
from tests.overview.test_board_paper import pdf_text

pytestmark = pytest.mark.django_db


def paper_url(plan: Any, query: str = "") -> str:
    return reverse("improvement_plan:paper", args=[plan.pk]) + query


@pytest.fixture
def paper_html(monkeypatch):
    """The PDF route answering the HTML WeasyPrint would be given (so tests can read it),
    whether or not WeasyPrint loads here."""
    monkeypatch.setattr(pdf, "_load", lambda: (object(), ""))
    monkeypatch.setattr(pdf, "render_pdf", lambda html, **kwargs: html.encode())


def test_the_plan_page_prints_as_a_board_paper_and_links_to_its_pdf(plan, manager):
    html = login(manager).get(reverse("improvement_plan:detail", args=[plan.pk])).content.decode()
    assert '<div class="app-report">' in html
    assert '<div class="app-no-print">' in html  # the links, the status form, the filters
    assert f'href="{paper_url(plan)}"' in html
    assert f'href="{reverse("improvement_plan:export", args=[plan.pk])}"' in html
    assert "print this page" in html
    # filtered, the PDF link carries the filters
    filtered = login(manager).get(reverse("improvement_plan:detail", args=[plan.pk]) + "?source=OR")
    assert f'href="{paper_url(plan, "?source=OR")}"' in filtered.content.decode()


def test_the_pdf_is_a_real_pdf_with_the_title(plan, manager):
    if not pdf.available():
        pytest.skip(f"WeasyPrint cannot load: {pdf.missing()}")
    response = login(manager).get(paper_url(plan, "?objective=1"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="improvement-plan-{plan.pk}-board-paper-' in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    title = "Board paper: Improvement plan"
    assert title.encode() in text or title.encode("utf-16-be") in text


def test_without_weasyprint_the_pdf_route_says_so(plan, manager, monkeypatch):
    monkeypatch.setattr(pdf, "_load", lambda: (None, "OSError: no library called pango"))
    response = login(manager).get(paper_url(plan))
    assert response.status_code == 503
    html = response.content.decode()
    assert "The PDF cannot be made on this server" in html
    assert "libpango" in html
    assert reverse("improvement_plan:export", args=[plan.pk]) in html
    assert plan.get_absolute_url() in html


def test_the_paper_is_the_pages_table(plan, manager, paper_html):
    client = login(manager)
    page = client.get(reverse("improvement_plan:detail", args=[plan.pk])).content.decode()
    html = client.get(paper_url(plan)).content.decode()
    assert "Board paper: Improvement plan" in html
    for needle in (
        "OC para 24 b",
        "OR 5 and LR 2,4",
        "a) increase in effectiveness of early help",
        "Police chair for the group",
        "Dec 17, March 18",
        'id="plan-rag"',
    ):
        assert needle in html and needle in page, needle
    assert "Filter the plan" not in html and "csrfmiddlewaretoken" not in html
    # the page's filters apply to the paper
    filtered = client.get(paper_url(plan, "?objective=2")).content.decode()
    assert "OC para 22" in filtered and "OR 1" not in filtered
    assert "only the recommendations matching the filters" in filtered


def test_the_paper_shows_each_reader_what_the_page_shows_them(
    plan, alice, dana, charlie, paper_html
):
    # an agency with no action on the plan: a 404, as for the page
    assert login(alice).get(paper_url(plan)).status_code == 404
    # a contributing agency's lead: only the lines its actions are on
    for user in (dana, charlie):
        html = login(user).get(paper_url(plan)).content.decode()
        assert "OR 5 and LR 2,4" in html and "OC para 22" not in html
    # a page only: no other method
    assert login(dana).post(paper_url(plan)).status_code == 405


def test_the_paper_costs_the_same_queries_for_the_seed_and_ten_times_it(
    plan, manager, chair, charlie, paper_html
):
    big = seed_plan(manager=manager, chair=chair, police=charlie, copies=10)
    client = login(manager)

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    assert count(paper_url(plan)) == count(paper_url(big))
