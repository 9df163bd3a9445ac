"""The challenge log's section of the partnership overview (``core.overview``; registered
in ``ChallengeLogConfig.ready()``): challenges raised in the overview's quarters, by and
against each agency, how many reached the Chair, what waits for the Chair, the agencies
that raised none, and the trend by quarter.

Every figure is the report's (``challenge_log.reports.build_report``) for the same
period and user, counted the same way (``selectors.challenge_list``, ``in_period``, the
first stage the Chair decides), and links to the report (or the Chair's queue) for that
period, so a figure and the page it opens agree. The figures are counted in the
database without building the report (its case rows, stages, areas, working days):
:func:`build` is two queries (one aggregate over the challenges, the agencies with their
counts), :func:`summary` (the key figures on My work) one or two."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse

from agencies.models import Agency, AgencyKind
from challenge_log import permissions, selectors
from challenge_log.models import Challenge, ChallengeState, Responder, Stage
from core.overview import Cell, Figure, FigureRow, FigureTable, Period, SectionFigures


def report_url(start: date, end: date) -> str:
    return f"{reverse('challenges:report')}?{urlencode({'start': start, 'end': end})}"


def _reached_chair() -> Q:
    """``reports.chair_stage_number`` in the query: the first stage the Chair decides
    (none: nothing reached the Chair, as NULL compares false)."""
    chair = Stage.objects.filter(responder=Responder.CHAIR).order_by("number").values("number")
    return Q(highest_stage__gte=Subquery(chair[:1]))


def _counts(user: Any, period: Period, *, trend: bool) -> dict[str, Any]:
    """One aggregate over the challenges ``user`` may see: those raised in the period
    (and reaching the Chair), those waiting for the Chair, and (``trend``) each
    quarter's."""
    start, end = period.quarters[0].start, period.today
    reached = _reached_chair()
    in_period = Q(raised_on__gte=start, raised_on__lte=end)
    counts: dict[str, Any] = {
        "total": Count("pk", filter=in_period),
        "reached_chair": Count("pk", filter=in_period & reached),
        "waiting": Count(
            "pk",
            filter=Q(state=ChallengeState.AWAITING_RESPONSE, stage__responder=Responder.CHAIR),
        ),
    }
    if trend:
        for i, quarter in enumerate(period.quarters):
            raised = Q(raised_on__gte=quarter.start, raised_on__lte=quarter.end)
            counts[f"q{i}"] = Count("pk", filter=raised)
            counts[f"q{i}_chair"] = Count("pk", filter=raised & reached)
    return selectors.challenge_list(user=user).order_by().aggregate(**counts)


def _in_period(user: Any, period: Period) -> QuerySet[Challenge]:
    return selectors.in_period(
        selectors.challenge_list(user=user), period.quarters[0].start, period.today
    ).order_by()


def _reporting_agencies() -> QuerySet[Agency]:
    """The agencies the report has a row for (an agency's people: those named, below)."""
    return Agency.objects.filter(is_active=True).exclude(kind=AgencyKind.PARTNERSHIP)


def _count_of(qs: QuerySet[Challenge], field: str) -> Coalesce:
    per_agency = (
        qs.filter(**{field: OuterRef("pk")}).values(field).annotate(n=Count("pk")).values("n")
    )
    return Coalesce(Subquery(per_agency[:1], output_field=IntegerField()), 0)


def _key_figures(
    user: Any, period: Period, counts: dict[str, Any], raised_none: int | None
) -> tuple[Figure, ...]:
    url = report_url(period.quarters[0].start, period.today)
    figures = [
        Figure("Challenges raised", counts["total"], url, hint="in the quarters shown"),
        Figure("Reached the Chair", counts["reached_chair"], url),
    ]
    if raised_none is not None:  # whoever sees every challenge
        figures.append(
            Figure("Waiting for the Chair", counts["waiting"], reverse("challenges:chair"))
        )
        figures.append(Figure("Agencies that raised none", raised_none, url, hint="inspectors ask"))
    return tuple(figures)


def build(user: Any, period: Period) -> SectionFigures | None:
    counts = _counts(user, period, trend=True)
    sees_all = permissions.sees_all(user)
    qs = _in_period(user, period)
    rows = [
        (agency.name, agency.raised, agency.against)
        for agency in _reporting_agencies()
        .annotate(
            raised=_count_of(qs, "raised_by_agency"), against=_count_of(qs, "challenged_agency")
        )
        .order_by("name")
        .only("pk", "name")
        # an agency's people see the agencies their challenges name, not the others'
        if sees_all or agency.raised or agency.against
    ]
    raised_none = sum(1 for _, raised, _ in rows if not raised) if sees_all else None
    url = report_url(period.quarters[0].start, period.today)
    by_agency = FigureTable(
        caption="Challenges raised by and against each agency",
        columns=("Raised by it", "Raised against it"),
        rows=tuple(
            FigureRow(name, (Cell(raised, url), Cell(against, url)))
            for name, raised, against in rows
        ),
        row_heading="Agency",
    )
    trend = FigureTable(
        caption="Challenges by quarter raised",
        columns=("Raised", "Reached the Chair"),
        rows=tuple(
            FigureRow(
                quarter.label,
                (
                    Cell(counts[f"q{i}"], report_url(quarter.start, quarter.end)),
                    Cell(counts[f"q{i}_chair"], report_url(quarter.start, quarter.end)),
                ),
            )
            for i, quarter in enumerate(period.quarters)
        ),
        row_heading="Quarter",
    )
    return SectionFigures(
        key_figures=_key_figures(user, period, counts, raised_none), tables=(by_agency, trend)
    )


def summary(user: Any, period: Period) -> SectionFigures | None:
    """:func:`build`'s key figures alone: one aggregate, and for whoever sees every
    challenge one count of the agencies that raised none."""
    counts = _counts(user, period, trend=False)
    raised_none = None
    if permissions.sees_all(user):
        raised = _in_period(user, period).filter(raised_by_agency=OuterRef("pk"))
        raised_none = _reporting_agencies().exclude(Exists(raised)).count()
    return SectionFigures(key_figures=_key_figures(user, period, counts, raised_none))
