"""Who sees the partnership overview: the partnership roles (Chair, partnership manager,
board members, the Learning and Improvement group, QA analysts), that is whoever may see
every agency's records (a model-level ``agencies.view_agency_records``). An agency's own
people get a 403: the overview and the board paper are the partnership's, and each
section's figures are scoped to what the user may see in any case."""

from __future__ import annotations

from typing import Any

from agencies.selectors import has_partnership_wide


def may_see_overview(user: Any) -> bool:
    return has_partnership_wide(user, "view_agency_records")
