"""The board-paper kit (core/paper.py): its stylesheets are where it looks for them, every
page links the print stylesheet, and without WeasyPrint a PDF route answers 503 with the
ways that still work (the page prints; the spreadsheet downloads)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.staticfiles import finders
from django.template import engines
from django.test import RequestFactory
from django.urls import reverse

from core import paper

pytestmark = pytest.mark.django_db


def test_the_base_stylesheets_exist():
    for name in paper.BASE_STYLESHEETS:
        assert finders.find(name), name


def test_a_missing_stylesheet_is_named():
    if not paper.available():
        pytest.skip(f"WeasyPrint cannot load: {paper.missing()}")
    with pytest.raises(LookupError, match=r"no-such\.css"):
        paper.render_pdf("<h1>x</h1>", base_url="http://testserver/", stylesheets=("no-such.css",))


def test_every_page_links_the_print_stylesheet(client):
    response = client.get(reverse("login"))
    assert b"css/print.css" in response.content


def test_the_paper_frame_names_the_partnership_and_the_title():
    if not paper.available():
        pytest.skip(f"WeasyPrint cannot load: {paper.missing()}")
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    engine = engines["django"]
    html = engine.from_string(
        '{% extends "includes/paper.html" %}{% block body %}<p>Body text</p>{% endblock %}'
    ).render({"title": "Test report"}, request)
    assert "Board paper: Test report" in html
    assert "Body text" in html
    data = paper.render_pdf(html, base_url="http://testserver/")
    assert data.startswith(b"%PDF-")


def test_without_weasyprint_the_answer_is_503_with_the_other_ways(monkeypatch, django_user_model):
    monkeypatch.setattr(paper, "_load", lambda: (None, "OSError: no library called pango"))
    user = django_user_model.objects.create_user("paper.reader", password="x")
    request = RequestFactory().get("/report/paper.pdf")
    request.user = user
    response = paper.pdf_response(
        request,
        "includes/paper.html",
        {"title": "Test report"},
        filename="x.pdf",
        page_url="/report/",
        xlsx_url="/report.xlsx",
    )
    assert response.status_code == 503
    body = response.content.decode()
    assert 'href="/report/"' in body and 'href="/report.xlsx"' in body
    assert "libpango" in body
