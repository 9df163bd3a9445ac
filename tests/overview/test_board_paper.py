"""The board paper: the PDF (WeasyPrint, from the same templates) is a real PDF with the
title; where WeasyPrint cannot load, the route answers a 503 page, never a 500; the XLSX
reads back with the same figures as the page."""

from __future__ import annotations

import io
import re
import zlib

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core import paper as pdf
from core.overview import Period, build_overview
from tests.conftest import login

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> bytes:
    """The PDF's bytes with every compressed stream inflated (the metadata and the
    object streams), enough to find the document's title."""
    parts = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(parts)


def test_the_pdf_is_a_real_pdf_with_the_title(plan, chair):
    if not pdf.available():
        pytest.skip(f"WeasyPrint cannot load: {pdf.missing()}")
    response = login(chair).get(reverse("overview:pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="board-paper-' in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    # the title WeasyPrint writes into the document's information (a UTF-16 string or
    # plain bytes, depending on the characters)
    title = "Board paper: Partnership overview"
    assert title.encode() in text or title.encode("utf-16-be") in text


def test_without_weasyprint_the_pdf_route_says_so(plan, chair, monkeypatch):
    monkeypatch.setattr(pdf, "_load", lambda: (None, "OSError: no library called pango"))
    response = login(chair).get(reverse("overview:pdf"))
    assert response.status_code == 503
    html = response.content.decode()
    assert "The PDF cannot be made on this server" in html
    assert "libpango" in html
    assert reverse("overview:xlsx") in html


def test_the_paper_html_is_the_pages_figures(plan, chair, rf):
    """The PDF's HTML includes the same section templates as the page."""
    from django.template.loader import render_to_string

    request = rf.get("/")
    request.user = chair
    period = Period.ending()
    sections = build_overview(chair, period)
    html = render_to_string(
        "overview/paper.html",
        {"title": "Partnership overview", "period": period, "sections": sections},
        request=request,
    )
    page = login(chair).get(reverse("overview:index")).content.decode()
    for needle in ("Actions by agency and RAG rating", 'href="/actions/?rag=red"'):
        assert needle in html and needle in page


def test_the_xlsx_reads_back_with_the_figures(plan, chair):
    response = login(chair).get(reverse("overview:xlsx"))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    # other loops' sections add their own sheets after these
    assert book.sheetnames[:2] == ["Key figures", "Actions"]
    summary = {
        row[0]: row[1]
        for row in book["Key figures"].iter_rows(values_only=True)
        if row and row[0] and len(row) > 1
    }
    (section,) = build_overview(chair, Period.ending(), only=["actions"])
    for figure in section.figures.key_figures:
        assert summary[figure.label] == figure.value
    rows = list(book["Actions"].iter_rows(values_only=True))
    heading = rows.index(("RAG rating", "Actions", *[None] * (len(rows[0]) - 2)))
    assert rows[heading - 1][0] == "Actions by RAG rating"
    assert rows[heading + 1][:2] == ("Overdue", 3)
    police = next(r for r in rows if r[0] == "Metropolitan Police (North West BCU)")
    assert police[:7] == ("Metropolitan Police (North West BCU)", 1, 0, 1, 0, 0, 2)
