"""The action plan as a board paper: rows of plain values, written as CSV or XLSX.

Usage (a page or an API view scopes the actions first)::

    qs = action_plan_queryset(action_list(user=request.user, review=review_id))
    rows = export_rows(qs, timezone.localdate())
    write_csv(rows, response)          # or: write_xlsx(rows) -> bytes

``action_plan_queryset`` makes the export cost a constant number of queries however many
actions there are: agency and lead are joined, the source recommendation and its review
come from one generic prefetch, and the latest progress text and the evidence count are
subqueries.

The column names match what ``actions.importing`` reads, so an exported plan imports
back as it is, into another install or after editing it: the importer ignores the extra
columns and finds the lead by the full name the board paper shows (or by a username or
e-mail put in its place).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import IO, Any

from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from actions.models import Action, EvidenceItem, ProgressUpdate, Rag
from agencies.models import Partnership

REVIEW = "Review"
KIND = "Kind"
RECOMMENDATION_NO = "Recommendation no."
RECOMMENDATION = "Recommendation"
ACTION_REF = "Action ref"
ACTION = "Action"
AGENCY = "Agency"
LEAD = "Lead"
TARGET_DATE = "Target date"
STATE = "State"
RAG = "RAG"
LAST_PROGRESS = "Last progress"
EVIDENCE_ITEMS = "Evidence items"
SIGNED_OFF = "Signed off"
NEXT_LEARNING_CHECK = "Next learning check"

COLUMNS: list[str] = [
    REVIEW,
    KIND,
    RECOMMENDATION_NO,
    RECOMMENDATION,
    ACTION_REF,
    ACTION,
    AGENCY,
    LEAD,
    TARGET_DATE,
    STATE,
    RAG,
    LAST_PROGRESS,
    EVIDENCE_ITEMS,
    SIGNED_OFF,
    NEXT_LEARNING_CHECK,
]
DATE_COLUMNS = {TARGET_DATE, SIGNED_OFF, NEXT_LEARNING_CHECK}

SHEET_TITLE = "Action plan"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"

# A spreadsheet treats a cell starting with one of these as a formula (or, for tab and
# carriage return, may strip them and then see a formula).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# Widths (in characters) that keep a board paper readable.
_MIN_WIDTH = 8
_MAX_WIDTH = 60
_DATE_WIDTH = 12
_DATE_FORMAT = "dd/mm/yyyy"
# Control characters an XLSX file cannot hold.
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def action_plan_queryset(base_qs: QuerySet[Action] | None = None) -> QuerySet[Action]:
    """``base_qs`` (already scoped to what the user may see) with everything the export
    reads, so that exporting N actions costs the same number of queries as exporting 5."""
    from scr.models import Recommendation

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
        .prefetch_related(
            GenericPrefetch("source", [Recommendation.objects.select_related("review")])
        )
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


def _source_columns(action: Action) -> tuple[str, str, int | None, str]:
    """(review title, kind, recommendation number, recommendation text)."""
    from scr.models import Recommendation

    source = action.source if action.source_object_id is not None else None
    if source is None:
        return "", "", None, ""
    if isinstance(source, Recommendation):
        review = source.review
        return review.title, review.get_kind_display(), source.number, source.text
    # A later loop's source (an audit finding, a challenge...): say what it is.
    return str(source), str(source._meta.verbose_name).capitalize(), None, ""


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
    """One dict per action, keyed by :data:`COLUMNS`; dates stay ``date`` objects.

    Pass ``action_plan_queryset(...)`` to keep the query count constant (other iterables
    work, at one or two queries an action). ``amber_days`` defaults to the partnership's
    amber window."""
    if amber_days is None:
        amber_days = Partnership.current().amber_window_days
    rows = []
    for action in actions:
        review, kind, rec_no, rec_text = _source_columns(action)
        lead = action.lead
        rows.append(
            {
                REVIEW: review,
                KIND: kind,
                RECOMMENDATION_NO: rec_no,
                RECOMMENDATION: rec_text,
                ACTION_REF: action.reference,
                ACTION: action.description,
                AGENCY: action.agency.name,
                LEAD: lead.get_full_name() or lead.get_username(),
                TARGET_DATE: action.target_date,
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
def neutralise_formula(value: str) -> str:
    """Prefix a cell a spreadsheet would run as a formula with a single quote."""
    if value and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local_date(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool | int | float):
        return str(value)
    return neutralise_formula(str(value))


def _csv_lines(rows: Iterable[dict[str, Any]]) -> Iterator[list[str]]:
    yield list(COLUMNS)
    for row in rows:
        yield [_csv_cell(row.get(column)) for column in COLUMNS]


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
    if isinstance(value, str):
        return _XLSX_ILLEGAL.sub("", value)
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
    widths = [len(column) for column in COLUMNS]

    for col, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=col, value=column)
        cell.font = bold

    top = Alignment(vertical="top", wrap_text=True)
    row_number = 1
    for row_number, row in enumerate(rows, start=2):
        for col, column in enumerate(COLUMNS, start=1):
            value = _xlsx_value(row.get(column))
            cell = sheet.cell(row=row_number, column=col, value=value)
            if isinstance(value, str) and value.startswith("="):
                # openpyxl would store this as a formula; it is text typed by a person.
                cell.data_type = "s"
            if column in DATE_COLUMNS and value is not None:
                cell.number_format = _DATE_FORMAT
            cell.alignment = top
            widths[col - 1] = max(widths[col - 1], _width(value))

    for col, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = (
            min(max(width, _MIN_WIDTH), _MAX_WIDTH) + 2
        )
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{max(row_number, 1)}"

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
