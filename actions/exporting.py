"""The action plan as a board paper: rows of plain values, written as CSV or XLSX.

Usage (a page or an API view scopes the actions first)::

    qs = action_plan_queryset(action_list(user=request.user, review=review_id))
    rows = export_rows(qs, timezone.localdate())
    write_csv(rows, response)          # or: write_xlsx(rows) -> bytes

The columns are the sources' own (``actions.sources``: an SCR recommendation adds
Review, Kind, Recommendation no. and Recommendation), then the action's
(:data:`ACTION_COLUMNS`); :func:`columns` lists them for the sources registered now.

``action_plan_queryset`` makes the export cost a constant number of queries however many
actions there are: agency and lead are joined, each source (with what its columns read)
comes from one generic prefetch, and the latest progress text and the evidence count are
subqueries.

The column names match what ``actions.importing`` reads, so an exported plan imports
back as it is, into another install or after editing it: the importer ignores the extra
columns and finds the lead by the full name the board paper shows (or by a username or
e-mail put in its place).

Cells are written by ``core.tabular``'s writers: a CSV cell a spreadsheet would run as a
formula gets a quote before it (the importer takes it off), an XLSX text cell is always
text, and a text longer than an XLSX cell holds (32,767 characters) is cut there with a
note saying how much was cut and that the CSV export has the whole text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import IO, Any

from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from actions import sources
from actions.models import Action, EvidenceItem, ProgressUpdate, Rag
from agencies.models import Partnership
from core import tabular

ACTION_REF = "Action ref"
ACTION = "Action"
AGENCY = "Agency"
LEAD = "Lead"
TARGET_DATE = "Target date"
ORIGINAL_TARGET_DATE = "Original target date"
EXTENSIONS = "Extensions"
STATE = "State"
RAG = "RAG"
LAST_PROGRESS = "Last progress"
EVIDENCE_ITEMS = "Evidence items"
SIGNED_OFF = "Signed off"
NEXT_LEARNING_CHECK = "Next learning check"

# The action's own columns; the sources' come first (see columns()).
ACTION_COLUMNS: list[str] = [
    ACTION_REF,
    ACTION,
    AGENCY,
    LEAD,
    TARGET_DATE,
    ORIGINAL_TARGET_DATE,
    EXTENSIONS,
    STATE,
    RAG,
    LAST_PROGRESS,
    EVIDENCE_ITEMS,
    SIGNED_OFF,
    NEXT_LEARNING_CHECK,
]


def columns() -> list[str]:
    """Every column of an export: the registered sources' columns, then the action's."""
    return [*sources.export_headings(), *ACTION_COLUMNS]


def __getattr__(name: str) -> Any:
    # ``COLUMNS``: the columns for the sources registered now (they register at start-up,
    # after this module may have been imported).
    if name == "COLUMNS":
        return columns()
    raise AttributeError(name)


DATE_COLUMNS = {TARGET_DATE, SIGNED_OFF, NEXT_LEARNING_CHECK}

SHEET_TITLE = "Action plan"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"

# A spreadsheet treats a cell starting with one of these as a formula (or, for tab and
# carriage return, may strip them and then see a formula).
FORMULA_TRIGGERS = tabular.FORMULA_TRIGGERS
# How an XLSX cell too long for a workbook ends (see core.tabular.xlsx_text).
XLSX_CUT_NOTE = tabular.XLSX_CUT_NOTE

# Widths (in characters) that keep a board paper readable.
_MIN_WIDTH = 8
_MAX_WIDTH = 60
_DATE_WIDTH = 12
_DATE_FORMAT = "dd/mm/yyyy"


def action_plan_queryset(base_qs: QuerySet[Action] | None = None) -> QuerySet[Action]:
    """``base_qs`` (already scoped to what the user may see) with everything the export
    reads, so that exporting N actions costs the same number of queries as exporting 5."""
    qs = base_qs if base_qs is not None else Action.objects.all()
    latest_progress = (
        ProgressUpdate.objects.filter(action=OuterRef("pk"))
        .order_by("-at", "-pk")
        .values("text")[:1]
    )
    evidence_count = (
        EvidenceItem.objects.filter(action=OuterRef("pk"))
        .order_by()
        .values("action")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        qs.select_related("agency", "lead", "source_content_type")
        .prefetch_related(GenericPrefetch("source", sources.prefetch_querysets()))
        .annotate(
            export_latest_progress=Subquery(latest_progress),
            export_evidence_count=Coalesce(
                Subquery(evidence_count, output_field=IntegerField()), Value(0)
            ),
        )
    )


def _local_date(value: datetime | None) -> date | None:
    if value is None:
        return None
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.date()


def _latest_progress(action: Action) -> str:
    if hasattr(action, "export_latest_progress"):
        return action.export_latest_progress or ""
    update = action.progress.order_by("-at", "-pk").first()
    return update.text if update else ""


def _evidence_count(action: Action) -> int:
    if hasattr(action, "export_evidence_count"):
        return action.export_evidence_count or 0
    return action.evidence.count()


def export_rows(
    actions: Iterable[Action], today: date, *, amber_days: int | None = None
) -> list[dict[str, Any]]:
    """One dict per action, keyed by :func:`columns`; dates stay ``date`` objects (a
    source column an action's source does not have is empty).

    Pass ``action_plan_queryset(...)`` to keep the query count constant (other iterables
    work, at one or two queries an action). ``amber_days`` defaults to the partnership's
    amber window."""
    if amber_days is None:
        amber_days = Partnership.current().amber_window_days
    blanks = sources.export_blanks()
    rows = []
    for action in actions:
        source = action.source if action.source_object_id is not None else None
        lead = action.lead
        rows.append(
            {
                **blanks,
                **sources.export_values(source),
                ACTION_REF: action.reference,
                ACTION: action.description,
                AGENCY: action.agency.name,
                LEAD: lead.get_full_name() or lead.get_username(),
                TARGET_DATE: action.target_date,
                ORIGINAL_TARGET_DATE: action.original_target_date,
                EXTENSIONS: action.extensions,
                STATE: action.get_state_display(),
                RAG: Rag(action.rag(today, amber_days=amber_days)).label,
                LAST_PROGRESS: _latest_progress(action),
                EVIDENCE_ITEMS: _evidence_count(action),
                SIGNED_OFF: _local_date(action.signed_off_at),
                NEXT_LEARNING_CHECK: action.learning_check_due_on,
            }
        )
    return rows


# -- CSV --------------------------------------------------------------------------------
neutralise_formula = tabular.neutralise_formula


def _csv_cell(value: Any) -> str:
    if isinstance(value, datetime):
        value = _local_date(value)
    return tabular.csv_cell(value)


def _csv_lines(rows: Iterable[dict[str, Any]]) -> Iterator[list[str]]:
    headings = columns()
    yield headings
    for row in rows:
        yield [_csv_cell(row.get(column)) for column in headings]


def write_csv(rows: Iterable[dict[str, Any]], fileobj: IO[str] | Any, *, bom: bool = True) -> None:
    """Write ``rows`` as CSV to a text file object (an ``HttpResponse`` works).

    A UTF-8 byte-order mark goes first by default so Excel reads the accents and the
    curly quotes right; dates are written as 2026-03-31."""
    if bom:
        fileobj.write("\ufeff")
    writer = csv.writer(fileobj, lineterminator="\r\n")
    writer.writerows(_csv_lines(rows))


# -- XLSX -------------------------------------------------------------------------------
def _xlsx_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return _local_date(value)
    return value


def _width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, date):
        return _DATE_WIDTH
    text = str(value)
    return max((len(line) for line in text.splitlines()), default=0)


def write_xlsx(rows: Iterable[dict[str, Any]]) -> bytes:
    """The rows as an XLSX workbook: one sheet titled "Action plan", a bold frozen header
    with an autofilter, readable column widths, and dates as real dates."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    bold = Font(bold=True)
    headings = columns()
    widths = [len(column) for column in headings]

    for col, column in enumerate(headings, start=1):
        cell = sheet.cell(row=1, column=col, value=column)
        cell.font = bold

    top = Alignment(vertical="top", wrap_text=True)
    row_number = 1
    for row_number, row in enumerate(rows, start=2):
        for col, column in enumerate(headings, start=1):
            value = _xlsx_value(row.get(column))
            # Text typed by a person stays text (never a formula), and one too long for
            # a cell says it was cut.
            cell = tabular.set_xlsx_cell(sheet, row_number, col, value)
            if column in DATE_COLUMNS and value is not None:
                cell.number_format = _DATE_FORMAT
            cell.alignment = top
            widths[col - 1] = max(widths[col - 1], _width(value))

    for col, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = (
            min(max(width, _MIN_WIDTH), _MAX_WIDTH) + 2
        )
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headings))}{max(row_number, 1)}"

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
