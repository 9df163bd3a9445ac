"""The action plan exported for a board paper: the columns and their values, CSV and XLSX
read back, formula injection neutralised, and a query count that does not grow with the
number of actions."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from actions import exporting
from actions.exporting import (
    COLUMNS,
    action_plan_queryset,
    export_rows,
    write_csv,
    write_xlsx,
)
from actions.models import Action, EvidenceItem, ProgressUpdate, Rag
from actions.models import ActionState as S
from agencies.models import Partnership
from scr import importing as scr_importing
from scr.models import Recommendation, ReviewKind
from tests.factories import EvidenceItemFactory, ProgressUpdateFactory, walk_to
from tests.factories.actions import make_action, make_recommendation, make_review

TODAY = date(2026, 1, 15)
INJECTIONS = [
    '=HYPERLINK("http://evil.example","click")',
    "+SUM(A1:A2)",
    "-1+2",
    "@cmd",
    "\tcalc",
    "\r=1+1",
]


def agency_of(user):
    return user.memberships.first().agency


@pytest.fixture
def plan(alice, charlie, li, manager):
    """Two reviews, three recommendations, four actions in several states."""
    scr = make_review(
        title="Child T serious case review", pseudonym="Child T", lead_agency=agency_of(alice)
    )
    cspr = make_review(title="Baby Q practice review", pseudonym="Baby Q", kind=ReviewKind.CSPR)
    rec1 = make_recommendation(scr, 1, "Improve information sharing at the front door")
    rec2 = make_recommendation(scr, 2, "Strengthen supervision of neglect cases")
    rec3 = make_recommendation(cspr, 4, "Think family in adult services")

    worked = make_action(
        agency=agency_of(alice),
        lead=alice,
        by=manager,
        source=rec1,
        reference="1.1",
        description="Deliver neglect training",
    )
    ProgressUpdateFactory(action=worked, text="Training booked")  # walks it to in progress
    later = timezone.now() + timedelta(minutes=5)
    ProgressUpdate.objects.create(action=worked, by=alice, at=later, text="Two sessions delivered")
    EvidenceItemFactory(action=worked, description="Register")
    EvidenceItemFactory(action=worked, description="Attendance: 92%")

    signed = make_action(
        agency=agency_of(alice),
        lead=alice,
        by=manager,
        source=rec2,
        reference="2.1",
        description="Audit supervision records",
    )
    walk_to(signed, S.SIGNED_OFF, li=li)

    police = make_action(
        agency=agency_of(charlie),
        lead=charlie,
        by=manager,
        source=rec3,
        description='=HYPERLINK("http://evil.example","click")',
        reference="4.1",
    )
    Action.objects.filter(pk=police.pk).update(target_date=TODAY - timedelta(days=3))

    loose = make_action(
        agency=agency_of(charlie),
        lead=charlie,
        by=manager,
        source=None,
        description="Refresh the escalation policy",
    )
    Action.objects.filter(pk=loose.pk).update(target_date=TODAY + timedelta(days=7))
    return {
        "worked": worked,
        "signed": signed,
        "police": police,
        "loose": loose,
        "scr": scr,
        "cspr": cspr,
    }


def rows_by_action(rows):
    return {row[exporting.ACTION]: row for row in rows}


def test_rows_have_the_board_paper_columns_and_values(plan, alice):
    rows = export_rows(action_plan_queryset(Action.objects.order_by("pk")), TODAY)
    assert len(rows) == 4
    assert all(list(row) == COLUMNS for row in rows)
    by_action = rows_by_action(rows)

    worked = by_action["Deliver neglect training"]
    assert worked[scr_importing.REVIEW] == "Child T serious case review"
    assert worked[scr_importing.KIND] == "Serious case review"
    assert worked[scr_importing.RECOMMENDATION_NO] == 1
    assert worked[scr_importing.RECOMMENDATION] == "Improve information sharing at the front door"
    assert worked[exporting.ACTION_REF] == "1.1"
    assert worked[exporting.AGENCY] == "Barnet Children's Social Care"
    assert worked[exporting.LEAD] == alice.get_full_name()
    assert worked[exporting.STATE] == "In progress"
    assert worked[exporting.LAST_PROGRESS] == "Two sessions delivered"
    assert worked[exporting.EVIDENCE_ITEMS] == 2
    assert worked[exporting.SIGNED_OFF] is None
    assert worked[exporting.RAG] == Rag.GREEN.label
    assert isinstance(worked[exporting.TARGET_DATE], date)

    signed = by_action["Audit supervision records"]
    assert signed[exporting.STATE] == "Signed off"
    assert signed[exporting.RAG] == Rag.COMPLETE.label
    assert signed[exporting.SIGNED_OFF] == timezone.localdate()
    assert signed[exporting.NEXT_LEARNING_CHECK] == plan["signed"].learning_check_due_on
    assert signed[exporting.NEXT_LEARNING_CHECK] is not None
    assert signed[exporting.LAST_PROGRESS] == ""
    assert signed[exporting.EVIDENCE_ITEMS] == 1

    police = by_action[INJECTIONS[0]]
    assert police[scr_importing.KIND] == "Local child safeguarding practice review"
    assert police[scr_importing.RECOMMENDATION_NO] == 4
    assert police[exporting.RAG] == Rag.RED.label
    assert police[exporting.EVIDENCE_ITEMS] == 0

    loose = by_action["Refresh the escalation policy"]
    assert loose[scr_importing.REVIEW] == "" and loose[scr_importing.RECOMMENDATION_NO] is None
    assert loose[exporting.RAG] == Rag.AMBER.label


def test_rows_from_a_plain_queryset_match_the_optimised_ones(plan):
    plain = export_rows(Action.objects.order_by("pk"), TODAY)
    optimised = export_rows(action_plan_queryset(Action.objects.order_by("pk")), TODAY)
    assert plain == optimised


def test_csv_round_trips_and_neutralises_formulas(plan):
    rows = export_rows(action_plan_queryset(Action.objects.order_by("pk")), TODAY)
    for text in INJECTIONS[1:]:
        rows.append({**rows[-1], exporting.ACTION: text, exporting.LAST_PROGRESS: text})
    buffer = io.StringIO()
    write_csv(rows, buffer)
    text = buffer.getvalue()
    assert text.startswith("\ufeff")

    read = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    assert read[0] == COLUMNS
    assert len(read) == len(rows) + 1
    by_action = {
        line[COLUMNS.index(exporting.ACTION)]: dict(zip(COLUMNS, line, strict=True))
        for line in read[1:]
    }
    worked = by_action["Deliver neglect training"]
    assert worked[scr_importing.RECOMMENDATION_NO] == "1"
    assert worked[exporting.EVIDENCE_ITEMS] == "2"
    assert worked[exporting.TARGET_DATE] == plan["worked"].target_date.isoformat()
    assert worked[exporting.LAST_PROGRESS] == "Two sessions delivered"
    assert worked[exporting.SIGNED_OFF] == ""

    # every cell a spreadsheet would run as a formula starts with a quote
    for payload in INJECTIONS:
        assert by_action["'" + payload][exporting.ACTION] == "'" + payload
    for line in read[1:]:
        for cell in line:
            assert not cell.startswith(exporting.FORMULA_TRIGGERS), cell


def test_csv_without_rows_still_has_its_header():
    buffer = io.StringIO()
    write_csv([], buffer, bom=False)
    assert list(csv.reader(io.StringIO(buffer.getvalue()))) == [COLUMNS]


def test_xlsx_round_trips_with_real_dates_a_bold_frozen_header_and_a_filter(plan):
    rows = export_rows(action_plan_queryset(Action.objects.order_by("pk")), TODAY)
    rows.append({**rows[-1], exporting.ACTION: "bad\x07 control character"})
    book = load_workbook(io.BytesIO(write_xlsx(rows)))
    assert book.sheetnames == ["Action plan"]
    sheet = book["Action plan"]

    header = [cell.value for cell in sheet[1]]
    assert header == COLUMNS
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    last = get_column_letter(len(COLUMNS))  # each registered source adds its own columns
    assert sheet.auto_filter.ref == f"A1:{last}{len(rows) + 1}"
    assert sheet.max_row == len(rows) + 1
    for letter in "ABCDEFGHIJKLMNO":
        assert sheet.column_dimensions[letter].width >= 10
    assert sheet.column_dimensions["F"].width > sheet.column_dimensions["C"].width

    read = [
        dict(zip(COLUMNS, (c.value for c in line), strict=True))
        for line in sheet.iter_rows(min_row=2)
    ]
    by_action = {row[exporting.ACTION]: row for row in read}
    worked = by_action["Deliver neglect training"]
    assert worked[scr_importing.RECOMMENDATION_NO] == 1
    assert worked[exporting.EVIDENCE_ITEMS] == 2
    assert isinstance(worked[exporting.TARGET_DATE], datetime)
    assert worked[exporting.TARGET_DATE].date() == plan["worked"].target_date
    signed = by_action["Audit supervision records"]
    assert signed[exporting.SIGNED_OFF].date() == timezone.localdate()
    assert signed[exporting.NEXT_LEARNING_CHECK].date() == plan["signed"].learning_check_due_on
    assert "bad control character" in by_action

    # text typed by a person is stored as text, never as a formula
    col = COLUMNS.index(exporting.ACTION) + 1
    for line in range(2, sheet.max_row + 1):
        assert sheet.cell(line, col).data_type == "s"
    assert by_action[INJECTIONS[0]][exporting.ACTION] == INJECTIONS[0]
    date_cell = sheet.cell(2, COLUMNS.index(exporting.TARGET_DATE) + 1)
    assert date_cell.is_date and date_cell.number_format == "dd/mm/yyyy"


def test_xlsx_without_rows_is_a_header_only_sheet():
    sheet = load_workbook(io.BytesIO(write_xlsx([])))["Action plan"]
    assert [cell.value for cell in sheet[1]] == COLUMNS
    assert sheet.max_row == 1


def _add_actions(n, *, alice, charlie, manager, reviews):
    """n actions over several recommendations, both agencies, some with progress and
    evidence (written directly: the count, not the workflow, is under test)."""
    recs = list(Recommendation.objects.filter(review__in=reviews))
    made = []
    for i in range(n):
        lead = alice if i % 2 else charlie
        action = make_action(
            agency=agency_of(lead),
            lead=lead,
            by=manager,
            source=recs[i % len(recs)],
            reference=f"{i}",
            description=f"Action number {i}",
            target_in_days=i - 10,
        )
        if i % 3 == 0:
            ProgressUpdate.objects.create(action=action, by=lead, text=f"Progress {i}")
            ProgressUpdate.objects.create(
                action=action,
                by=lead,
                text=f"More progress {i}",
                at=timezone.now() + timedelta(minutes=1),
            )
            EvidenceItem.objects.create(action=action, by=lead, description="Notes")
        made.append(action)
    return made


def _export_everything():
    rows = export_rows(action_plan_queryset(Action.objects.all()), TODAY)
    write_csv(rows, io.StringIO())
    write_xlsx(rows)
    return rows


@pytest.mark.django_db
def test_export_costs_the_same_queries_for_5_and_50_actions(
    alice, charlie, manager, django_assert_num_queries
):
    reviews = [
        make_review(),
        make_review(title="Baby Q practice review", pseudonym="Baby Q", kind=ReviewKind.CSPR),
    ]
    for review in reviews:
        for number in (1, 2, 3):
            make_recommendation(review, number, f"Recommendation {number}")
    ContentType.objects.get_for_model(Recommendation)  # the content type cache is warm
    ContentType.objects.get_for_model(Action)
    Partnership.current()  # the settings row exists (it is created on first use)
    _add_actions(5, alice=alice, charlie=charlie, manager=manager, reviews=reviews)

    # partnership settings, the actions (agency, lead, latest progress and evidence
    # count joined or in subqueries), their recommendations with the reviews
    expected = 3
    with django_assert_num_queries(expected):
        rows = _export_everything()
    assert len(rows) == 5

    _add_actions(45, alice=alice, charlie=charlie, manager=manager, reviews=reviews)
    with django_assert_num_queries(expected):
        rows = _export_everything()
    assert len(rows) == 50
    assert {row[scr_importing.REVIEW] for row in rows} == {
        "Child T serious case review",
        "Baby Q practice review",
    }
    progressed = [row for row in rows if row[exporting.ACTION] == "Action number 3"]
    assert progressed[0][exporting.LAST_PROGRESS] == "More progress 3"
    assert progressed[0][exporting.EVIDENCE_ITEMS] == 1
