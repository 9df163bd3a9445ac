"""The actions' section of the partnership overview (``core.overview``; registered in
``ActionsConfig.ready()``): actions by agency and RAG, overdue and extended, waiting for
review or sign-off, learning checks due and their verdicts, and the trend by quarter of
target date.

Every figure counts what ``selectors.action_list`` gives the user filtered by the list's
own FilterSet (``actions.filters``), with the same rules (``selectors.rag_q``, the same
``today`` and amber window), and links to that list filtered the same way, so a figure
and the list it opens always agree. Every figure is counted per agency in one scan of
every action (a GROUP BY), kept between requests until an action, extension request or
learning check changes (``core.kept``); a viewer's figures are the rows of the agencies
they may see, added up. So a view costs two queries (the stamp, the visible agencies)
and the scan runs once per change, not once per view.
:func:`summary` (the key figures on My work) adds up the same kept rows.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from actions.models import (
    KEPT,
    Action,
    ActionState,
    ExtensionDecision,
    ExtensionRequest,
    LearningCheck,
    Rag,
    Verdict,
)
from actions.selectors import rag_q
from agencies.models import AgencyKind, Partnership
from agencies.selectors import visible_agencies
from core.kept import kept
from core.overview import Cell, Figure, FigureRow, FigureTable, Period, SectionFigures, link

# The RAG columns, worst first, as the board reads them.
RAG_ORDER = [Rag.RED, Rag.AMBER, Rag.GREEN, Rag.COMPLETE, Rag.CANCELLED]
TONES = {Rag.RED: "red", Rag.AMBER: "amber", Rag.GREEN: "green", Rag.CANCELLED: "grey"}


def list_url(**params: Any) -> str:
    """The actions list filtered by ``params`` (the list's query parameters)."""
    return link("actions:list", **params)


def _pending_extension() -> Q:
    # ``pk IN (one uncorrelated subquery)``: the database reads the few pending requests
    # once (a hashed subplan on PostgreSQL) instead of probing them for every action
    return Q(
        pk__in=ExtensionRequest.objects.filter(decision=ExtensionDecision.PENDING).values(
            "action_id"
        )
    )


def _verdict(verdict: str) -> Q:
    return Q(pk__in=LearningCheck.objects.filter(verdict=verdict).values("action_id"))


def _per_agency(period: Period) -> dict[int, dict[str, int]]:
    """Every figure for each agency with actions, over every action (whoever asks): ONE
    scan, a GROUP BY. Kept between requests until an action, extension request, learning
    check or the partnership's amber window changes (``core.kept``), so the scan runs
    once per change, not per view; each viewer then adds up only the rows of the
    agencies they may see."""
    today = period.today

    def scan() -> dict[int, dict[str, int]]:
        amber_days = Partnership.current().amber_window_days

        def rag(value: str) -> Q:
            return rag_q(value, today=today, amber_days=amber_days)

        trend_counts: dict[str, Any] = {}
        for i, quarter in enumerate(period.quarters):
            due = Q(target_date__gte=quarter.start, target_date__lte=quarter.end)
            trend_counts[f"q{i}_due"] = Count("pk", filter=due)
            trend_counts[f"q{i}_complete"] = Count("pk", filter=due & rag(Rag.COMPLETE))
            trend_counts[f"q{i}_red"] = Count("pk", filter=due & rag(Rag.RED))
        pending = _pending_extension()
        rows = (
            Action.objects.order_by()
            .values("agency_id")
            .annotate(
                total=Count("pk"),
                **{r.value: Count("pk", filter=rag(r)) for r in RAG_ORDER},
                overdue_pending=Count("pk", filter=rag(Rag.RED) & pending),
                overdue_extended=Count("pk", filter=rag(Rag.RED) & Q(extensions__gt=0)),
                extended=Count("pk", filter=Q(extensions__gt=0)),
                pending=Count("pk", filter=pending),
                review=Count("pk", filter=Q(state=ActionState.EVIDENCE_SUBMITTED)),
                sign_off=Count("pk", filter=Q(state=ActionState.ACCEPTED)),
                checks_due=Count("pk", filter=Q(state=ActionState.LEARNING_CHECK_DUE)),
                **{f"verdict_{v.value}": Count("pk", filter=_verdict(v)) for v in Verdict},
                **trend_counts,
            )
        )
        return {row.pop("agency_id"): row for row in rows}

    key = (today, tuple((q.start, q.end) for q in period.quarters))
    return kept(KEPT, key=key, compute=scan)


TREND = ("due", "complete", "red")
FIGURES = (
    "overdue_pending",
    "overdue_extended",
    "extended",
    "pending",
    "review",
    "sign_off",
    "checks_due",
    *(f"verdict_{v.value}" for v in Verdict),
)


def build(user: Any, period: Period) -> SectionFigures | None:
    agencies = list(
        visible_agencies(user)
        .order_by("name")
        .only("pk", "name", "short_name", "kind", "is_active")
    )
    every = _per_agency(period)
    # the agencies the user sees, alone, from here on
    per_agency = {a.pk: every[a.pk] for a in agencies if a.pk in every}
    names = [*FIGURES, *(f"q{i}_{f}" for i in range(len(period.quarters)) for f in TREND)]
    counts = {name: sum(row[name] for row in per_agency.values()) for name in names}
    counts["overdue"] = sum(row[Rag.RED.value] for row in per_agency.values())
    # the agencies' rows, zeros included
    agency_rows = []
    totals = dict.fromkeys([r.value for r in RAG_ORDER] + ["total"], 0)
    for agency in agencies:
        row = per_agency.get(agency.pk)
        if row is None and (not agency.is_active or agency.kind == AgencyKind.PARTNERSHIP):
            continue
        row = row or {"total": 0, **dict.fromkeys([r.value for r in RAG_ORDER], 0)}
        for key in totals:
            totals[key] += row[key]
        agency_rows.append(
            FigureRow(
                agency.label,
                (
                    *(
                        Cell(row[r.value], list_url(owner=agency.pk, rag=r.value))
                        for r in RAG_ORDER
                    ),
                    Cell(row["total"], list_url(owner=agency.pk)),
                ),
                url=list_url(owner=agency.pk),
            )
        )

    by_rag = FigureTable.single(
        "Actions by RAG rating",
        "Actions",
        [
            Figure(r.label, totals[r.value], list_url(rag=r.value), tone=TONES.get(r, ""))
            for r in RAG_ORDER
        ],
        row_heading="RAG rating",
    )
    by_agency = FigureTable(
        caption="Actions by agency and RAG rating",
        columns=(*(r.label for r in RAG_ORDER), "All"),
        rows=tuple(agency_rows),
        row_heading="Agency",
        chart=False,
        note="Each number opens the list of those actions.",
    )
    open_by_agency = FigureTable.single(
        "Overdue actions by agency",
        "Overdue",
        [
            Figure(row.label, row.cells[0].value, row.cells[0].url, tone="red")
            for row in agency_rows
            if row.cells[0].value
        ],
        row_heading="Agency",
        note="" if counts["overdue"] else "No action is overdue.",
    )
    overdue = FigureTable.single(
        "Overdue and extended",
        "Actions",
        [
            Figure(
                "Overdue",
                counts["overdue"],
                list_url(rag=Rag.RED),
                hint="target date passed, work not signed off",
            ),
            Figure(
                "Overdue, an extension asked for",
                counts["overdue_pending"],
                list_url(rag=Rag.RED, extension=ExtensionDecision.PENDING),
                hint="still overdue until the partnership manager approves it",
            ),
            Figure(
                "Overdue after an extension",
                counts["overdue_extended"],
                list_url(rag=Rag.RED, extended="yes"),
            ),
            Figure("Extended at least once", counts["extended"], list_url(extended="yes")),
            Figure(
                "Extension waiting for a decision",
                counts["pending"],
                list_url(extension=ExtensionDecision.PENDING),
            ),
        ],
        chart=False,
    )
    waiting = FigureTable.single(
        "Waiting for the partnership",
        "Actions",
        [
            Figure(
                "Evidence waiting for review",
                counts["review"],
                list_url(state=ActionState.EVIDENCE_SUBMITTED),
                hint="by the Learning and Improvement group",
            ),
            Figure(
                "Waiting for sign-off",
                counts["sign_off"],
                list_url(state=ActionState.ACCEPTED),
                hint="evidence accepted, the agency lead signs off",
            ),
            Figure(
                "Learning check due",
                counts["checks_due"],
                list_url(state=ActionState.LEARNING_CHECK_DUE),
            ),
        ],
        chart=False,
    )
    verdicts = FigureTable.single(
        "Learning check verdicts",
        "Actions",
        [Figure(v.label, counts[f"verdict_{v.value}"], list_url(verdict=v.value)) for v in Verdict],
        row_heading="Verdict",
        note="Actions with at least one learning check with this verdict.",
    )
    trend = FigureTable(
        caption="Actions by quarter of target date",
        columns=("Due", "Complete", "Overdue"),
        rows=tuple(
            FigureRow(
                quarter.label,
                (
                    Cell(
                        counts[f"q{i}_due"],
                        list_url(due_from=quarter.start, due_to=quarter.end),
                    ),
                    Cell(
                        counts[f"q{i}_complete"],
                        list_url(due_from=quarter.start, due_to=quarter.end, rag=Rag.COMPLETE),
                    ),
                    Cell(
                        counts[f"q{i}_red"],
                        list_url(due_from=quarter.start, due_to=quarter.end, rag=Rag.RED),
                    ),
                ),
            )
            for i, quarter in enumerate(period.quarters)
        ),
        row_heading="Quarter",
        note=(
            "Financial-year quarters (Q1 is April to June). Complete: signed off; "
            "overdue: the target date has passed and the work is not signed off."
        ),
    )
    return SectionFigures(
        key_figures=_key_figures(totals["total"], counts),
        tables=(by_rag, by_agency, open_by_agency, overdue, waiting, verdicts, trend),
    )


def _key_figures(total: int, counts: dict[str, Any]) -> tuple[Figure, ...]:
    return (
        Figure("Actions", total, list_url()),
        Figure("Overdue", counts["overdue"], list_url(rag=Rag.RED)),
        Figure(
            "Evidence waiting for review",
            counts["review"],
            list_url(state=ActionState.EVIDENCE_SUBMITTED),
        ),
        Figure(
            "Learning checks due",
            counts["checks_due"],
            list_url(state=ActionState.LEARNING_CHECK_DUE),
        ),
    )


def summary(user: Any, period: Period) -> SectionFigures:
    """:func:`build`'s key figures alone (the home page), added up from the same kept
    rows of the agencies the user sees: no scan while no action has changed."""
    every = _per_agency(period)
    rows = [every[pk] for pk in visible_agencies(user).values_list("pk", flat=True) if pk in every]
    counts = {
        name: sum(row[field] for row in rows)
        for name, field in (
            ("total", "total"),
            ("overdue", Rag.RED.value),
            ("review", "review"),
            ("checks_due", "checks_due"),
        )
    }
    return SectionFigures(key_figures=_key_figures(counts["total"], counts))
