"""Board papers: any report page as an A4 document, printed from the browser or as a PDF.

A loop's report has three outputs from one context: its page (which prints as a board
paper through ``static/css/print.css``, linked from ``base.html``), a PDF made here by
WeasyPrint from a template that extends ``includes/paper.html`` (the same section
templates as the page, with ``static/css/paper.css`` for the typography GOV.UK Frontend
gives the page), and its spreadsheet. A view answers the PDF with :func:`pdf_response`::

    return paper.pdf_response(
        request, "challenge_log/paper.html", context,
        filename="challenge-report-2026-12-03.pdf",
        page_url=reverse("challenge_log:report"), xlsx_url=reverse("challenge_log:report_xlsx"),
        stylesheets=("challenge_log/report.css",),
    )

WeasyPrint needs Pango (``apt-get install libpango-1.0-0 libpangoft2-1.0-0``). Where it
cannot load, :func:`available` is False and :func:`pdf_response` answers a 503 page saying
so, with links to the page (which still prints) and to the spreadsheet."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from functools import cache
from typing import Any

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

BASE_STYLESHEETS = ("css/print.css", "css/paper.css")
INSTALL_HINT = "pip install weasyprint and apt-get install libpango-1.0-0 libpangoft2-1.0-0"


@cache
def _load() -> tuple[Any, str]:
    """WeasyPrint's module, or None with why not (imported once, on first use)."""
    try:
        with warnings.catch_warnings():
            # "HarfBuzz-Subset will be required by future versions": not yet.
            warnings.simplefilter("ignore", DeprecationWarning)
            import weasyprint
    except (ImportError, OSError) as error:  # OSError: Pango's libraries are missing
        return None, f"{error.__class__.__name__}: {error}"
    return weasyprint, ""


def available() -> bool:
    return _load()[0] is not None


def missing() -> str:
    """What is missing, in a line: why WeasyPrint did not load and what to install."""
    reason = _load()[1]
    return f"{reason} ({INSTALL_HINT})" if reason else ""


def render_pdf(html: str, *, base_url: str, stylesheets: Iterable[str] = ()) -> bytes:
    """The PDF of ``html``: the base stylesheets, then ``stylesheets`` (static paths)."""
    weasyprint = _load()[0]
    if weasyprint is None:
        raise RuntimeError(missing())
    sheets = []
    for name in (*stylesheets, *BASE_STYLESHEETS):
        path = finders.find(name)
        if not path:
            raise LookupError(f"no static file {name}")
        sheets.append(weasyprint.CSS(filename=path))
    return bytes(weasyprint.HTML(string=html, base_url=base_url).write_pdf(stylesheets=sheets))


def pdf_response(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    filename: str,
    page_url: str,
    xlsx_url: str = "",
    stylesheets: Iterable[str] = (),
) -> HttpResponse:
    """The board paper as a PDF download, or a 503 page saying why it cannot be made."""
    if not available():
        return render(
            request,
            "includes/paper_unavailable.html",
            {
                "title": "The PDF cannot be made on this server",
                "missing": missing(),
                "page_url": page_url,
                "xlsx_url": xlsx_url,
                "page_title": context.get("title", ""),
            },
            status=503,
        )
    html = render_to_string(template, context, request=request)
    response = HttpResponse(
        render_pdf(html, base_url=request.build_absolute_uri("/"), stylesheets=stylesheets),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
