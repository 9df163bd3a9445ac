"""The challenge log's section of the partnership overview (``core.overview``; registered
in ``ChallengeLogConfig.ready()``): challenges raised in the overview's quarters, by and
against each agency, how many reached the Chair, what waits for the Chair, the agencies
that raised none, and the trend by quarter.

Every figure is the report's (``challenge_log.reports.build_report``) for the same
period and user, and links to the report (or the Chair's queue) for that period, so a
figure and the page it opens agree. A fixed number of queries whatever the number of
challenges."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse

from challenge_log import permissions, reports, selectors
from core.overview import Cell, Figure, FigureRow, FigureTable, Period, SectionFigures


def report_url(start: date, end: date) -> str:
    return f"{reverse('challenges:report')}?{urlencode({'start': start, 'end': end})}"


def build(user: Any, period: Period) -> SectionFigures | None:
    start, end = period.quarters[0].start, period.today
    report = reports.build_report(user=user, start=start, end=end)
    url = report_url(start, end)
    figures = [
        Figure("Challenges raised", report.total, url, hint="in the quarters shown"),
        Figure("Reached the Chair", report.reached_chair, url),
    ]
    if permissions.sees_all(user):
        waiting = selectors.chair_queue(user=user).count()
        figures.append(Figure("Waiting for the Chair", waiting, reverse("challenges:chair")))
        figures.append(
            Figure("Agencies that raised none", len(report.raised_none), url, hint="inspectors ask")
        )
    by_agency = FigureTable(
        caption="Challenges raised by and against each agency",
        columns=("Raised by it", "Raised against it"),
        rows=tuple(
            FigureRow(row.agency.name, (Cell(row.raised, url), Cell(row.against, url)))
            for row in report.agencies
        ),
        row_heading="Agency",
    )
    counts: dict[str, Any] = {}
    chair = reports.chair_stage_number()
    for i, quarter in enumerate(period.quarters):
        raised = Q(raised_on__gte=quarter.start, raised_on__lte=quarter.end)
        counts[f"q{i}"] = Count("pk", filter=raised)
        counts[f"q{i}_chair"] = Count(
            "pk", filter=raised & (Q(highest_stage__gte=chair) if chair else Q(pk__in=[]))
        )
    totals = selectors.challenge_list(user=user).order_by().aggregate(**counts)
    trend = FigureTable(
        caption="Challenges by quarter raised",
        columns=("Raised", "Reached the Chair"),
        rows=tuple(
            FigureRow(
                quarter.label,
                (
                    Cell(totals[f"q{i}"], report_url(quarter.start, quarter.end)),
                    Cell(totals[f"q{i}_chair"], report_url(quarter.start, quarter.end)),
                ),
            )
            for i, quarter in enumerate(period.quarters)
        ),
        row_heading="Quarter",
    )
    return SectionFigures(key_figures=tuple(figures), tables=(by_agency, trend))
