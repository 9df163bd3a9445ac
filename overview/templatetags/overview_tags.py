"""``{% overview_home_summary %}``: the partnership roles' key figures on My work, with
a link to the overview (nothing, and no query, for anybody else). Each section's
``summary`` (``core.overview.build_overview_summary``): a few aggregates, no tables."""

from __future__ import annotations

from typing import Any

from django import template

from core.overview import Period, build_overview_summary
from overview.access import may_see_overview

register = template.Library()


@register.inclusion_tag("overview/includes/home_summary.html", takes_context=True)
def overview_home_summary(context: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not may_see_overview(user):
        return {"show": False}
    return {"show": True, "sections": build_overview_summary(user, Period.ending())}
