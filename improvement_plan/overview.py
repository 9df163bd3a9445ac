"""The improvement plan's section of the partnership overview (``core.overview``): the
current plan's recommendations by RAG, and by objective and RAG. Each figure counts the
lines the plan page shows with the same filters (``?rag=``, ``?objective=``) and links
there. A fixed number of queries (``selectors.plan_table``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from core.overview import Cell, Figure, FigureRow, FigureTable, Period, SectionFigures
from improvement_plan import rag, selectors
from improvement_plan.models import PlanState


def _url(plan: Any, **params: Any) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{plan.get_absolute_url()}?{query}" if query else plan.get_absolute_url()


def build(user: Any, period: Period) -> SectionFigures | None:
    plans = selectors.plan_list(user)
    plan = plans.filter(state=PlanState.ACTIVE).first() or plans.first()
    if plan is None:
        return None
    table = selectors.plan_table(user, plan, today=period.today)
    lines = [(o.objective.number, lrow.rollup.rag) for o in table.objectives for lrow in o.lines]
    by_rag = {r: sum(1 for _, found in lines if found == r) for r in rag.ORDER}
    key = tuple(
        Figure(
            f"{plan.title}: {rag.LABELS[r].lower()} recommendations", by_rag[r], _url(plan, rag=r)
        )
        for r in (rag.Rag.RED, rag.Rag.AMBER)
    )
    rows = tuple(
        FigureRow(
            f"Objective {o.number}",
            tuple(
                Cell(
                    sum(1 for n, found in lines if n == o.number and found == r),
                    _url(plan, objective=o.number, rag=r),
                )
                for r in rag.ORDER
            ),
            url=_url(plan, objective=o.number),
        )
        for o in table.all_objectives
    )
    return SectionFigures(
        key_figures=key,
        tables=(
            FigureTable.single(
                f"{plan.title}: recommendations by RAG",
                "Recommendations",
                [Figure(rag.LABELS[r], by_rag[r], _url(plan, rag=r)) for r in rag.ORDER],
            ),
            FigureTable(
                caption=f"{plan.title}: recommendations by objective and RAG",
                columns=tuple(rag.LABELS[r] for r in rag.ORDER),
                rows=rows,
                row_heading="Objective",
            ),
        ),
        notes=(f"{plan.title} is {plan.get_state_display().lower()}.",),
    )
