"""The findings' board paper: a real PDF with the title (WeasyPrint, from the findings
page's own section templates); a 503 page, never a 500, where WeasyPrint cannot load;
an auditor of one agency gets no case-level rows about another's judgements."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agencies.models import Role
from core import paper as pdf
from tests.conftest import login
from tests.factories import AgencyFactory, member
from tests.factories.audits import accepted, form_of, make_audit
from tests.overview.test_board_paper import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def audit(qa, agency_a, agency_b, amy, bea):
    """In moderation: the same child graded outstanding by A and inadequate by B."""
    audit = make_audit(
        lead=qa, agencies=[agency_a, agency_b], references=["LCS-77"], title="Neglect audit"
    )
    accepted(form_of(audit, agency_a), by=amy, moderator=qa, grade_code="outstanding")
    accepted(form_of(audit, agency_b), by=bea, moderator=qa, grade_code="inadequate")
    audit.refresh_from_db()
    return audit


def paper_html(client, audit, monkeypatch) -> str:
    """The HTML the PDF is made from (the PDF's text is compressed fonts and glyphs)."""
    monkeypatch.setattr(pdf, "_load", lambda: (object(), ""))
    monkeypatch.setattr(pdf, "render_pdf", lambda html, **kwargs: html.encode())
    response = client.get(reverse("audits:paper", args=[audit.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_findings_page_links_its_paper_and_prints_as_a_report(qa, audit):
    page = login(qa).get(reverse("audits:findings", args=[audit.pk])).content.decode()
    assert reverse("audits:paper", args=[audit.pk]) in page
    assert 'class="app-report"' in page and "app-no-print" in page


def test_the_pdf_is_a_real_pdf_with_the_title(qa, audit):
    if not pdf.available():
        pytest.skip(f"WeasyPrint cannot load: {pdf.missing()}")
    response = login(qa).get(reverse("audits:paper", args=[audit.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="audit-{audit.pk}-findings-' in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    title = "Board paper: Findings: Neglect audit"
    assert title.encode() in text or title.encode("utf-16-be") in text


def test_without_weasyprint_the_pdf_route_says_so(qa, audit, monkeypatch):
    monkeypatch.setattr(pdf, "_load", lambda: (None, "OSError: no library called pango"))
    response = login(qa).get(reverse("audits:paper", args=[audit.pk]))
    assert response.status_code == 503
    html = response.content.decode()
    assert "The PDF cannot be made on this server" in html
    assert "libpango" in html
    assert reverse("audits:findings-export", args=[audit.pk, "xlsx"]) in html
    assert reverse("audits:findings", args=[audit.pk]) in html


def test_the_paper_holds_the_pages_sections(qa, audit, monkeypatch):
    html = paper_html(login(qa), audit, monkeypatch)
    page = login(qa).get(reverse("audits:findings", args=[audit.pk])).content.decode()
    for needle in ("Share good or better", "Grades by question", "Where agencies disagree"):
        assert needle in html and needle in page
    assert "LCS-77" in html  # the lead sees the case-level rows
    assert "Board paper: Findings: Neglect audit" in html


def test_an_auditor_of_one_agency_gets_no_case_level_rows(amy, audit, monkeypatch):
    html = paper_html(login(amy), audit, monkeypatch)
    assert "Share good or better" in html  # the shares, counted, are for every reader
    assert "Where agencies disagree" not in html and "LCS-77" not in html


def test_someone_of_no_participating_agency_gets_404(audit):
    carl = member(AgencyFactory(name="Harrow Health"), Role.AGENCY_LEAD, "carl")
    assert login(carl).get(reverse("audits:paper", args=[audit.pk])).status_code == 404
