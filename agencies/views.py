from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from agencies.models import Agency, Membership
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
