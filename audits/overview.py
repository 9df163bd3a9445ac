"""The audits' section of the partnership overview (``core.overview``): the audits the
viewer may see by state, each figure linking to the audit list filtered the same way.
One query whatever the number of audits."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.urls import reverse

from audits import selectors
from audits.models import AuditState
from core.overview import Figure, FigureTable, Period, SectionFigures


def build(user: Any, period: Period) -> SectionFigures | None:
    rows = selectors.audit_list(user=user).values("state").annotate(n=Count("pk")).order_by()
    counts = {r["state"]: r["n"] for r in rows}
    if not counts:
        return None
    url = reverse("audits:list")

    def figure(state: AuditState) -> Figure:
        return Figure(str(state.label), counts.get(state.value, 0), f"{url}?state={state.value}")

    return SectionFigures(
        key_figures=(figure(AuditState.IN_PROGRESS), figure(AuditState.MODERATION)),
        tables=(
            FigureTable.single("Themed audits by state", "Audits", [figure(s) for s in AuditState]),
        ),
    )
