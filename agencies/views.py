from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from agencies.casework import normalise_case_reference
from agencies.models import Agency, CaseOpening, Membership
from agencies.selectors import user_agencies, visible_agencies


@login_required
def agency_list(request: HttpRequest) -> HttpResponse:
    """Every partner's name is public within the partnership (people need to pick the
    agency they are raising a challenge with); their records are not."""
    visible = set(visible_agencies(request.user).values_list("pk", flat=True))
    agencies = Agency.objects.filter(is_active=True)
    return render(
        request,
        "agencies/list.html",
        {
            "agencies": agencies,
            "visible": visible,
            "mine": user_agencies(request.user),
        },
    )


@login_required
def agency_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agency = get_object_or_404(visible_agencies(request.user), pk=pk)
    members = (
        Membership.objects.filter(agency=agency, user__is_active=True)
        .select_related("user")
        .order_by("role", "user__last_name", "user__username")
    )
    return render(request, "agencies/detail.html", {"agency": agency, "members": members})


OPENINGS_PAGE = 50


@login_required
def case_openings(request: HttpRequest) -> HttpResponse:
    """The log of openings of case-level records, for the partnership manager: filter by
    agency and by case reference; newest first, read by keyset (``?before=<id>``) so a
    page costs the same however long the log is."""
    if not request.user.has_perm("agencies.view_case_openings"):
        raise PermissionDenied
    openings = CaseOpening.objects.select_related("user", "agency").order_by("-pk")
    agencies = Agency.objects.order_by("name")
    agency_id = request.GET.get("agency", "")
    case = normalise_case_reference(request.GET.get("case", ""))[:60]
    errors: dict[str, str] = {}
    if agency_id:
        if agency_id.isascii() and agency_id.isdigit():
            openings = openings.filter(agency_id=int(agency_id))
        else:
            errors["agency"] = "Choose an agency from the list"
    if case:
        openings = openings.filter(case_reference=case)
    before = request.GET.get("before", "")
    if before.isascii() and before.isdigit():
        openings = openings.filter(pk__lt=int(before))
    rows = list(openings[: OPENINGS_PAGE + 1]) if not errors else []
    more = len(rows) > OPENINGS_PAGE
    rows = rows[:OPENINGS_PAGE]
    query = {k: v for k, v in (("agency", agency_id), ("case", case)) if v and not errors}
    return render(
        request,
        "agencies/case_openings.html",
        {
            "rows": rows,
            "agencies": agencies,
            "agency_id": agency_id,
            "case": case,
            "errors": errors,
            "next_query": urlencode({**query, "before": rows[-1].pk}) if more else "",
            "first_query": urlencode(query) if before else "",
        },
        status=400 if errors else 200,
    )
