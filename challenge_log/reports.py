"""The challenge log's report for a period, and its export.

For a period (challenges raised in it): raised by and against each agency, the highest
stage reached, the area, the outcome, the working days to resolve, how many reached the
Chair, and which agencies raised none; then the challenges themselves (the case-level
rows: the most recent ``ROWS_LIMIT``, the export has them all). Every figure and row comes
from the challenges the user may see (``selectors.challenge_list``), in a fixed number of
queries whatever their number: grouped counts in the database, and the working days from
the distinct pairs of (raised, resolved) dates. The page, its board paper (PDF) and the
export share it."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from statistics import median
from typing import IO, Any

from django.db.models import Count, Q, QuerySet

from agencies.models import Agency, AgencyKind
from challenge_log import permissions, selectors
from challenge_log.models import (
    RESOLVED_STATES,
    Area,
    Challenge,
    ChallengeKind,
    ChallengeState,
    Stage,
)
from core import tabular
from core.workdays import working_days_between


@dataclass
class AgencyRow:
    agency: Agency
    raised: int = 0
    against: int = 0
    reached_chair: int = 0  # of those raised against it

    @property
    def bar_raised(self) -> int:
        return self.raised

    @property
    def bar_against(self) -> int:
        return self.against


ROWS_LIMIT = 100


@dataclass
class CaseRow:
    """One challenge in the report's table (the reader may see it)."""

    challenge: Challenge
    days_to_resolve: int | None


@dataclass
class Report:
    start: date | None
    end: date | None
    total: int = 0
    professional: int = 0
    strategic: int = 0
    open: int = 0
    reached_chair: int = 0
    by_partnership: int = 0  # raised by a partnership role
    agencies: list[AgencyRow] = field(default_factory=list)
    raised_none: list[Agency] = field(default_factory=list)
    stages: list[tuple[Stage, int]] = field(default_factory=list)
    areas: list[tuple[str, int]] = field(default_factory=list)
    outcomes: list[tuple[str, int]] = field(default_factory=list)
    resolved: int = 0
    days_median: float | None = None
    days_max: int | None = None
    sees_all: bool = False
    rows: list[CaseRow] = field(default_factory=list)

    @property
    def period_label(self) -> str:
        if self.start and self.end:
            return f"Challenges raised from {self.start:%-d %B %Y} to {self.end:%-d %B %Y}"
        if self.start:
            return f"Challenges raised from {self.start:%-d %B %Y}"
        if self.end:
            return f"Challenges raised to {self.end:%-d %B %Y}"
        return "All challenges"

    @property
    def rows_cut(self) -> bool:
        return self.total > len(self.rows)

    @property
    def chart_max(self) -> int:
        return max([1, *(max(r.raised, r.against) for r in self.agencies)])

    @property
    def chart(self) -> dict[str, Any]:
        """The bar chart's geometry (an SVG drawn by the template, no script): two bars an
        agency, raised by it and against it, scaled to the largest."""
        row_height, label_width, bar_space = 44, 260, 320
        top = max(self.chart_max, 1)
        rows = []
        for i, row in enumerate(self.agencies):
            y = 30 + i * row_height
            rows.append(
                {
                    "name": row.agency.name,
                    "y_label": y + 18,
                    "y_raised": y,
                    "y_against": y + 18,
                    "w_raised": max(round(row.raised * bar_space / top), 1 if row.raised else 0),
                    "w_against": max(round(row.against * bar_space / top), 1 if row.against else 0),
                    "raised": row.raised,
                    "against": row.against,
                }
            )
        return {
            "rows": rows,
            "height": 30 + len(rows) * row_height + 10,
            "width": label_width + bar_space + 60,
            "x_bars": label_width,
            "bar_space": bar_space,
        }


def chair_stage_number() -> int | None:
    stage = (
        Stage.objects.filter(responder="challenge_log.decide_challenge").order_by("number").first()
    )
    return stage.number if stage is not None else None


def build_report(*, user: Any, start: date | None, end: date | None) -> Report:
    qs = selectors.in_period(selectors.challenge_list(user=user), start, end).order_by()
    report = Report(start=start, end=end, sees_all=permissions.sees_all(user))
    chair = chair_stage_number()
    reached_chair = Q(highest_stage__gte=chair) if chair is not None else Q(pk__in=[])
    totals = qs.aggregate(
        total=Count("pk"),
        professional=Count("pk", filter=Q(kind=ChallengeKind.PROFESSIONAL)),
        strategic=Count("pk", filter=Q(kind=ChallengeKind.STRATEGIC)),
        open=Count("pk", filter=~Q(state__in=[*RESOLVED_STATES, ChallengeState.WITHDRAWN])),
        reached_chair=Count("pk", filter=reached_chair),
        by_partnership=Count("pk", filter=Q(raised_by_agency__isnull=True)),
    )
    for name, value in totals.items():
        setattr(report, name, value)
    raised = dict(qs.values_list("raised_by_agency").annotate(n=Count("pk")))
    against: dict[int, tuple[int, int]] = {
        agency_id: (n, chair_n)
        for agency_id, n, chair_n in qs.values_list("challenged_agency").annotate(
            n=Count("pk"), chair_n=Count("pk", filter=reached_chair)
        )
    }
    agencies = Agency.objects.filter(is_active=True).exclude(kind=AgencyKind.PARTNERSHIP)
    if not report.sees_all:
        # an agency's people see the agencies their challenges name, not the others'
        named = set(raised) | set(against)
        agencies = agencies.filter(pk__in=[pk for pk in named if pk is not None])
    for agency in agencies.order_by("name"):
        n_against, n_chair = against.get(agency.pk, (0, 0))
        report.agencies.append(AgencyRow(agency, raised.get(agency.pk, 0), n_against, n_chair))
    if report.sees_all:
        report.raised_none = [row.agency for row in report.agencies if row.raised == 0]
    by_stage = dict(qs.values_list("highest_stage").annotate(n=Count("pk")))
    report.stages = [(stage, by_stage.get(stage.number, 0)) for stage in Stage.objects.all()]
    by_area = dict(qs.values_list("area").annotate(n=Count("pk")))
    report.areas = [(str(label), by_area.get(value, 0)) for value, label in Area.choices]
    by_state = dict(qs.values_list("state").annotate(n=Count("pk")))
    report.outcomes = [
        (str(label), by_state.get(value, 0)) for value, label in ChallengeState.choices
    ]
    days: Counter[int] = Counter()
    for raised_on, resolved_on, n in (
        qs.filter(state__in=RESOLVED_STATES, resolved_on__isnull=False)
        .values_list("raised_on", "resolved_on")
        .annotate(n=Count("pk"))
    ):
        days[working_days_between(raised_on, resolved_on)] += n
    report.resolved = sum(days.values())
    if days:
        report.days_median = median(sorted(days.elements()))
        report.days_max = max(days)
    report.rows = [
        CaseRow(c, _days_to_resolve(c)) for c in qs.order_by("-raised_on", "-pk")[:ROWS_LIMIT]
    ]
    return report


def _days_to_resolve(c: Challenge) -> int | None:
    if c.resolved_on and c.state in RESOLVED_STATES:
        return working_days_between(c.raised_on, c.resolved_on)
    return None


# -- export ---------------------------------------------------------------------------------
COLUMNS = [
    "Reference",
    "Kind",
    "Case reference",
    "Raised on",
    "Raised by agency",
    "Agency challenged",
    "Area",
    "Urgency",
    "State",
    "Stage",
    "Highest stage reached",
    "Deadline",
    "Resolved on",
    "Working days to resolve",
    "Outcome",
    "Learning",
]


def export_rows(qs: QuerySet[Challenge]) -> list[dict[str, Any]]:
    rows = []
    for c in qs:
        rows.append(
            {
                "Reference": c.reference,
                "Kind": c.get_kind_display(),
                "Case reference": c.case_reference,
                "Raised on": c.raised_on,
                "Raised by agency": c.raiser_agency_name,
                "Agency challenged": c.challenged_agency.name,
                "Area": c.get_area_display(),
                "Urgency": c.get_urgency_display(),
                "State": c.get_state_display(),
                "Stage": c.stage.name if c.stage else "",
                "Highest stage reached": c.highest_stage,
                "Deadline": c.deadline,
                "Resolved on": c.resolved_on,
                "Working days to resolve": _days_to_resolve(c),
                "Outcome": c.outcome_for_child,
                "Learning": c.learning,
            }
        )
    return rows


def write_csv(rows: list[dict[str, Any]], fileobj: IO[str] | Any) -> None:
    fileobj.write("\ufeff")
    writer = csv.writer(fileobj, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([tabular.csv_cell(row[column]) for column in COLUMNS])


def write_xlsx(rows: list[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Challenge log"
    for col, column in enumerate(COLUMNS, start=1):
        sheet.cell(row=1, column=col, value=column).font = Font(bold=True)
    for row_number, row in enumerate(rows, start=2):
        for col, column in enumerate(COLUMNS, start=1):
            cell = tabular.set_xlsx_cell(sheet, row_number, col, row[column])
            if isinstance(row[column], date):
                cell.number_format = "d mmm yyyy"
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
