"""The partnership overview (``/overview/``) and its board paper: the same figures
(``core.overview.build_overview``: every registered section) as a page that prints as an
A4 document, as a PDF made by WeasyPrint (``core.paper``) from the same templates, and as
an XLSX."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from core import paper
from core.overview import Period, build_overview
from overview import exporting
from overview.access import may_see_overview

TITLE = "Partnership overview"
STYLESHEETS = ("overview/overview.css",)


def _context(request: HttpRequest) -> dict[str, Any]:
    if not may_see_overview(request.user):
        raise PermissionDenied("The overview is for the partnership's roles.")
    period = Period.ending()
    return {
        "title": TITLE,
        "period": period,
        "sections": build_overview(request.user, period),
    }


@require_GET
@login_required
def overview(request: HttpRequest) -> HttpResponse:
    return render(request, "overview/index.html", _context(request))


def _filename(context: dict[str, Any], ext: str) -> str:
    return f"board-paper-{context['period'].today.isoformat()}.{ext}"


@require_GET
@login_required
def board_paper_pdf(request: HttpRequest) -> HttpResponse:
    context = _context(request)
    return paper.pdf_response(
        request,
        "overview/paper.html",
        context,
        filename=_filename(context, "pdf"),
        page_url=reverse("overview:index"),
        xlsx_url=reverse("overview:xlsx"),
        stylesheets=STYLESHEETS,
    )


@require_GET
@login_required
def board_paper_xlsx(request: HttpRequest) -> HttpResponse:
    context = _context(request)
    response = HttpResponse(
        exporting.write_xlsx(context["sections"], context["period"]),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(context, "xlsx")}"'
    return response
