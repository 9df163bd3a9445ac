"""Importing an action plan from CSV or XLSX: good files create every action with its
workflow running; a file with problems reports every one with its row number and writes
nothing; a dry run writes nothing; only the partnership manager may import; oversized,
unknown and broken files give clear messages."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from actions import importing, services
from actions.importing import (
    Problem,
    dry_run,
    import_plan,
    parse_date,
    parse_plan,
)
from actions.models import Action, ActionState
from agencies.models import AgencyKind, Role
from core.transitions import TransitionForbidden
from scr import importing as scr_importing
from scr.importing import parse_recommendation_number
from scr.models import Recommendation
from tests.factories import AgencyFactory, UserFactory, member
from tests.factories.actions import make_recommendation, make_review
from workflows.base import process_for

HEADER = [
    "Review",
    "Recommendation no.",
    "Recommendation",
    "Action ref",
    "Action",
    "Agency",
    "Lead",
    "Target date",
]
SCR = "Child T serious case review"


@pytest.fixture
def review(alice, charlie):
    review = make_review(title=SCR, pseudonym="Child T")
    make_recommendation(review, 1, "Improve information sharing at the front door")
    return review


@pytest.fixture
def police(charlie):
    agency = charlie.memberships.first().agency
    agency.short_name = "Met Police"
    agency.save()
    return agency


def csv_file(rows, header=HEADER, name="plan.csv") -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode("utf-8"), content_type="text/csv")


def xlsx_bytes(rows, header=HEADER, title="Action plan") -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


GOOD_ROWS = [
    # an existing recommendation, the lead by username, an ISO date
    [
        SCR,
        "1",
        "",
        "1.1",
        "Deliver neglect training to front-door staff",
        "Barnet Children's Social Care",
        "alice",
        "2026-03-31",
    ],
    # a new recommendation, its text given once; the agency by short name, lead by e-mail
    [
        SCR,
        "2",
        "Strengthen supervision of neglect cases",
        "2.1",
        "Audit supervision records",
        "Met Police",
        "CHARLIE@example.org",
        "31/03/2026",
    ],
    [
        SCR,
        "2",
        "",
        "2.2",
        "Brief sergeants on neglect indicators",
        "metropolitan police (north west bcu)",
        "charlie",
        "30 Jun 2026",
    ],
]


def assert_created_as_in_file(result, manager):
    assert result.ok, [str(p) for p in result.problems]
    assert len(result.created) == 3
    assert result.written and not result.dry_run
    first, second, third = sorted(result.created, key=lambda a: a.reference)
    rec1 = Recommendation.objects.get(review__title=SCR, number=1)
    rec2 = Recommendation.objects.get(review__title=SCR, number=2)
    assert rec2.text == "Strengthen supervision of neglect cases"
    assert first.source == rec1 and second.source == rec2 and third.source == rec2
    assert first.lead.username == "alice" and second.lead.username == "charlie"
    assert first.agency.name == "Barnet Children's Social Care"
    assert second.agency.short_name == "Met Police"
    assert first.target_date == date(2026, 3, 31)
    assert second.target_date == date(2026, 3, 31)
    assert third.target_date == date(2026, 6, 30)
    assert first.description == "Deliver neglect training to front-door staff"
    for action in result.created:
        action.refresh_from_db()
        assert action.state == ActionState.ASSIGNED
        assert action.created_by == manager
        assert process_for(action) is not None  # the workflow is running


def test_a_good_csv_creates_every_action_with_its_flow(review, police, manager):
    before = Action.objects.count()
    result = import_plan(file=csv_file(GOOD_ROWS), filename="plan.csv", by=manager)
    assert_created_as_in_file(result, manager)
    assert Action.objects.count() == before + 3
    assert Recommendation.objects.get(number=2).review == review


def test_a_good_xlsx_with_date_cells_and_extra_columns_creates_every_action(
    review, police, manager
):
    header = [
        "REVIEW",
        "recommendation No",
        "Recommendation",
        "Action Ref",
        "Notes",
        "Action",
        "Agency",
        "Lead",
        "Target Date",
    ]
    rows = []
    for row in GOOD_ROWS:
        rows.append(
            [row[0], int(row[1]), row[2] or None, row[3], "ignored", row[4], row[5], row[6], None]
        )
    rows[0][-1] = datetime(2026, 3, 31)
    rows[1][-1] = date(2026, 3, 31)
    rows[2][-1] = "30 Jun 2026"
    rows.insert(1, [None] * len(header))  # a blank row in the middle is skipped
    data = xlsx_bytes(rows, header=header)
    result = import_plan(
        file=SimpleUploadedFile("Plan.XLSX", data), filename="Plan.XLSX", by=manager
    )
    assert_created_as_in_file(result, manager)


def test_a_file_with_bad_rows_reports_every_problem_and_writes_nothing(
    review, police, alice, charlie, manager
):
    closed = AgencyFactory(
        name="Closed Youth Service", kind=AgencyKind.YOUTH_JUSTICE, is_active=False
    )
    rows = [
        GOOD_ROWS[0],  # row 2: fine
        [
            "Child Z review",
            "1",
            "",
            "",
            "Train staff 1",
            "Met Police",
            "charlie",
            "2026-03-31",
        ],  # row 3
        [SCR, "1", "", "", "Train staff 2", "Fire brigade", "charlie", "2026-03-31"],  # row 4
        [SCR, "1", "", "", "Train staff 3", "Met Police", "alice", "2026-03-31"],  # row 5
        [SCR, "1", "", "", "Train staff 4", "Met Police", "charlie", "31/13/2026"],  # row 6
        [SCR, "1", "", "", "", "Met Police", "charlie", "2026-03-31"],  # row 7
        [SCR, "7", "", "", "Train staff 5", "Met Police", "charlie", "2026-03-31"],  # row 8
        GOOD_ROWS[0],  # row 9: repeat
        [SCR, "three", "", "", "Train staff 6", "Met Police", "nobody", ""],  # row 10
        [SCR, "1", "", "", "Train staff 7", closed.name, "charlie", "2026-03-31"],  # row 11
        [SCR, "1", "", "X" * 31, "Train staff 8", "Met Police", "charlie", "2026-03-31"],  # 12
    ]
    actions_before = Action.objects.count()
    recommendations_before = Recommendation.objects.count()

    result = import_plan(file=csv_file(rows), filename="plan.csv", by=manager)

    police_name = police.name
    assert set(result.problems) == {
        Problem(3, "Review", scr_importing.REVIEW_NOT_FOUND.format(value="Child Z review")),
        Problem(4, "Agency", importing.AGENCY_NOT_FOUND.format(value="Fire brigade")),
        Problem(5, "Lead", importing.LEAD_NOT_IN_AGENCY.format(value="alice", agency=police_name)),
        Problem(6, "Target date", importing.DATE_INVALID.format(value="31/13/2026")),
        Problem(7, "Action", importing.VALUE_REQUIRED.format(column="Action")),
        Problem(8, "Recommendation", scr_importing.RECOMMENDATION_TEXT_NEEDED.format(number=7)),
        Problem(9, "", importing.DUPLICATE_ROW.format(first_row=2)),
        Problem(
            10,
            "Recommendation no.",
            scr_importing.RECOMMENDATION_NUMBER_INVALID.format(value="three"),
        ),
        Problem(
            10,
            "Lead",
            importing.LEAD_NOT_FOUND_IN_AGENCY.format(value="nobody", agency=police_name),
        ),
        Problem(10, "Target date", importing.VALUE_REQUIRED.format(column="Target date")),
        Problem(11, "Agency", importing.AGENCY_INACTIVE.format(agency=closed.name)),
        Problem(12, "Action ref", importing.REFERENCE_TOO_LONG.format(limit=30)),
    }
    assert len(result.problems) == 12
    assert [p.row for p in result.problems] == sorted(p.row for p in result.problems)
    assert str(result.problems[0]).startswith("Row 3, Review: No review is titled")
    assert not result.ok and not result.created and not result.written
    assert Action.objects.count() == actions_before
    assert Recommendation.objects.count() == recommendations_before


def test_missing_and_repeated_columns_are_reported_on_the_header_row(review, manager):
    header = ["Review", "Recommendation no.", "Action", "Action", "Target date"]
    result = import_plan(
        file=csv_file([[SCR, "1", "x", "y", "2026-03-31"]], header=header),
        filename="plan.csv",
        by=manager,
    )
    assert result.problems == [
        Problem(1, "Action", importing.DUPLICATE_COLUMN.format(column="Action")),
        Problem(1, "Agency", importing.MISSING_COLUMN.format(column="Agency")),
        Problem(1, "Lead", importing.MISSING_COLUMN.format(column="Lead")),
    ]


def test_new_recommendation_given_two_different_texts_is_a_problem(review, police, manager):
    rows = [
        [SCR, "5", "Think family", "", "First action", "Met Police", "charlie", "2026-03-31"],
        [
            SCR,
            "5",
            "Think about families",
            "",
            "Second action",
            "Met Police",
            "charlie",
            "2026-03-31",
        ],
    ]
    result = dry_run(file=csv_file(rows), filename="plan.csv", by=manager)
    assert result.problems == [
        Problem(
            3,
            "Recommendation",
            scr_importing.RECOMMENDATION_TEXT_CONFLICT.format(number=5, first_row=2),
        )
    ]


def test_dry_run_checks_everything_and_writes_nothing(review, police, manager):
    actions_before = Action.objects.count()
    recommendations_before = Recommendation.objects.count()
    result = dry_run(file=csv_file(GOOD_ROWS), filename="plan.csv", by=manager)
    assert result.ok and result.dry_run
    assert [row.row for row in result.rows] == [2, 3, 4]
    assert [(r.pk, n) for r, n, _ in scr_importing.new_recommendations(result)] == [(review.pk, 2)]
    assert result.created == [] and not result.written
    assert Action.objects.count() == actions_before
    assert Recommendation.objects.count() == recommendations_before

    bad = dry_run(
        file=csv_file([[SCR, "1", "", "", "x", "Nowhere", "charlie", "soon"]]),
        filename="plan.csv",
        by=manager,
    )
    assert {p.column for p in bad.problems} == {"Agency", "Target date"}
    assert Action.objects.count() == actions_before


def test_importing_the_same_file_twice_is_refused(review, police, manager):
    assert import_plan(file=csv_file(GOOD_ROWS), filename="plan.csv", by=manager).ok
    count = Action.objects.count()
    again = import_plan(file=csv_file(GOOD_ROWS), filename="plan.csv", by=manager)
    assert again.problems == [Problem(row, "", importing.ALREADY_IN_PLAN) for row in (2, 3, 4)]
    assert Action.objects.count() == count


def test_a_failure_while_writing_rolls_back_every_row(review, police, manager, monkeypatch):
    real_create = services.action_create

    def failing_on_the_last_row(**kwargs):
        if kwargs["description"] == GOOD_ROWS[-1][4]:
            raise ValidationError({"target_date": "Something changed meanwhile"})
        return real_create(**kwargs)

    monkeypatch.setattr(services, "action_create", failing_on_the_last_row)
    actions_before = Action.objects.count()
    result = import_plan(file=csv_file(GOOD_ROWS), filename="plan.csv", by=manager)
    assert result.problems == [Problem(4, "Target date", "Something changed meanwhile")]
    assert result.created == []
    assert Action.objects.count() == actions_before
    assert not Recommendation.objects.filter(number=2).exists()


@pytest.mark.parametrize("who", ["alice", "charlie", "li", "nobody"])
def test_only_the_partnership_manager_may_import_or_dry_run(review, police, who, request):
    user = request.getfixturevalue(who) if who != "nobody" else UserFactory(username="eve")
    before = Action.objects.count()
    with pytest.raises(TransitionForbidden) as caught:
        import_plan(file=csv_file(GOOD_ROWS), filename="plan.csv", by=user)
    assert caught.value.message == importing.NOT_PERMITTED_IMPORT
    with pytest.raises(TransitionForbidden):
        dry_run(file=csv_file(GOOD_ROWS), filename="plan.csv", by=user)
    assert Action.objects.count() == before


def only_problem(result) -> str:
    assert not result.created
    assert len(result.problems) == 1, result.problems
    return result.problems[0].message


def test_an_oversized_file_is_refused(review, manager):
    big = b"Review,Action\n" + b"x" * (2 * 1024 * 1024)
    assert (
        only_problem(
            import_plan(file=SimpleUploadedFile("plan.csv", big), filename="plan.csv", by=manager)
        )
        == importing.FILE_TOO_BIG
    )
    # a plain file object without a size is read no further than the limit
    assert (
        only_problem(import_plan(file=io.BytesIO(big), filename="plan.xlsx", by=manager))
        == importing.FILE_TOO_BIG
    )


def test_more_than_2000_rows_is_refused(review, police, manager):
    rows = [
        [SCR, "1", "", "", f"Action {i}", "Met Police", "charlie", "2026-03-31"]
        for i in range(2001)
    ]
    before = Action.objects.count()
    result = import_plan(file=csv_file(rows), filename="plan.csv", by=manager)
    assert only_problem(result) == importing.TOO_MANY_ROWS
    assert Action.objects.count() == before


@pytest.mark.parametrize("filename", ["plan.pdf", "plan.xls", "plan.ods", "plan", "plan.csv.exe"])
def test_unknown_file_types_are_refused(manager, filename):
    result = import_plan(
        file=SimpleUploadedFile(filename, b"Review\n"), filename=filename, by=manager
    )
    assert only_problem(result) == importing.FILE_TYPE_REFUSED


GARBAGE = bytes(range(256)) * 8


def _truncated_workbook() -> bytes:
    return xlsx_bytes([GOOD_ROWS[0]])[:600]


def _zip_that_is_not_a_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a spreadsheet")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("plan.xlsx", GARBAGE, importing.BROKEN_XLSX),
        ("plan.xlsx", b"Review,Action\nA,B\n", importing.BROKEN_XLSX),
        ("plan.xlsx", _truncated_workbook(), importing.BROKEN_XLSX),
        ("plan.xlsx", _zip_that_is_not_a_workbook(), importing.BROKEN_XLSX),
        ("plan.csv", GARBAGE, importing.BROKEN_CSV),
        ("plan.csv", _zip_that_is_not_a_workbook(), importing.BROKEN_CSV),
        ("plan.csv", b"", importing.FILE_EMPTY),
        ("plan.csv", b",".join(h.encode() for h in HEADER) + b"\r\n\r\n", importing.NO_ROWS),
    ],
)
def test_broken_files_give_a_clear_message(review, manager, filename, data, message):
    before = Action.objects.count()
    result = import_plan(file=SimpleUploadedFile(filename, data), filename=filename, by=manager)
    assert only_problem(result) == message
    assert result.problems[0].row is None
    assert Action.objects.count() == before


def test_windows_csv_with_semicolons_and_curly_quotes_is_read(review, police, manager):
    text = (
        ";".join(HEADER)
        + "\r\n"
        + ";".join(
            [
                SCR,
                "1",
                "",
                "1.9",
                "Share the \u2018think family\u2019 guide",
                "Met Police",
                "charlie",
                "31/03/2026",
            ]
        )
        + "\r\n"
    )
    result = dry_run(file=text.encode("cp1252"), filename="plan.csv", by=manager)
    assert result.ok, result.problems
    assert result.rows[0].description == "Share the \u2018think family\u2019 guide"


def test_agency_short_names_shared_by_two_agencies_are_ambiguous(review, police, manager):
    AgencyFactory(
        name="Metropolitan Police Specialist Crime", short_name="Met Police", kind=AgencyKind.POLICE
    )
    rows = [[SCR, "1", "", "", "x", "Met Police", "charlie", "2026-03-31"]]
    result = dry_run(file=csv_file(rows), filename="plan.csv", by=manager)
    assert result.problems == [
        Problem(2, "Agency", importing.AGENCY_AMBIGUOUS.format(value="Met Police"))
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-31", date(2026, 3, 31)),
        ("31/03/2026", date(2026, 3, 31)),
        ("31 Mar 2026", date(2026, 3, 31)),
        ("31 March 2026", date(2026, 3, 31)),
        ("31st March 2026", date(2026, 3, 31)),
        ("30 Sept 2026", date(2026, 9, 30)),
        ("31-Mar-2026", date(2026, 3, 31)),
        ("2026-03-31 00:00:00", date(2026, 3, 31)),
        (datetime(2026, 3, 31, 0, 0), date(2026, 3, 31)),
        (date(2026, 3, 31), date(2026, 3, 31)),
        ("03/31/2026", None),
        ("31/02/2026", None),
        ("next spring", None),
        (46112, None),
    ],
)
def test_target_dates(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3", 3),
        (3, 3),
        (3.0, 3),
        ("R3", 3),
        ("Rec 12", 12),
        ("3.0", 3),
        ("3.2", None),
        ("0", None),
        ("-1", None),
        ("three", None),
        (True, None),
        (2.5, None),
    ],
)
def test_recommendation_numbers(value, expected):
    assert parse_recommendation_number(value) == expected


def test_parse_plan_accepts_bytes_and_writes_nothing(review, police):
    before = Action.objects.count()
    result = parse_plan(xlsx_bytes([GOOD_ROWS[0]]), "plan.xlsx")
    assert result.ok and len(result.rows) == 1
    assert result.rows[0].recommendation.number == 1
    assert Action.objects.count() == before


def test_the_quote_the_export_adds_before_a_formula_is_taken_off(review, police, manager):
    rows = [[SCR, "1", "", "'-1", "'=Review the front door", "Met Police", "charlie", "2026-03-31"]]
    result = dry_run(file=csv_file(rows), filename="plan.csv", by=manager)
    assert result.ok, result.problems
    assert result.rows[0].description == "=Review the front door"
    assert result.rows[0].reference == "-1"


# -- the lead by full name (what the export writes) ------------------------------------------
CSC_NAME = "Barnet Children's Social Care"


def named(user, first, last, **fields):
    user.first_name, user.last_name = first, last
    for name, value in fields.items():
        setattr(user, name, value)
    user.save()
    return user


def lead_row(lead, agency=CSC_NAME, description="Deliver neglect training"):
    return [SCR, "1", "", "", description, agency, lead, "2026-03-31"]


def test_a_lead_given_by_full_name_is_found_among_the_agencys_members(
    review, police, alice, charlie, manager
):
    named(alice, "Alice", "Okafor")
    named(charlie, "Charlie", "Okafor")  # the same surname in another agency is no match
    rows = [
        lead_row("Alice Okafor", description="First"),
        lead_row("  alice   OKAFOR ", description="Second"),  # case and spacing ignored
        lead_row("Charlie Okafor", agency="Met Police", description="Third"),
    ]
    result = import_plan(file=csv_file(rows), filename="plan.csv", by=manager)
    assert result.ok, [str(p) for p in result.problems]
    assert [a.lead for a in result.created] == [alice, alice, charlie]


def test_a_full_name_two_members_of_the_agency_share_is_ambiguous(review, alice, agency_a, manager):
    named(alice, "Alice", "Okafor")
    namesake = member(agency_a, Role.PRACTITIONER, "alice2", first_name="Alice", last_name="Okafor")
    # the username still works
    rows = [lead_row("Alice Okafor"), lead_row("alice", description="Audit supervision")]
    result = dry_run(file=csv_file(rows), filename="plan.csv", by=manager)
    assert result.problems == [
        Problem(
            2,
            "Lead",
            importing.LEAD_NAME_AMBIGUOUS.format(value="Alice Okafor", agency=CSC_NAME),
        )
    ]
    assert "username or e-mail" in importing.LEAD_NAME_AMBIGUOUS

    # A deactivated namesake could never lead the action: the active one is meant.
    named(namesake, "Alice", "Okafor", is_active=False)
    result = dry_run(file=csv_file(rows), filename="plan.csv", by=manager)
    assert result.ok, result.problems
    assert result.rows[0].lead == alice


def test_a_full_name_of_someone_in_another_agency_is_not_found(
    review, police, alice, charlie, manager
):
    named(alice, "Alice", "Okafor")
    named(charlie, "Charlie", "Brown")
    rows = [
        lead_row("Charlie Brown"),
        lead_row("Alice Okafor", agency="Met Police", description="Audit supervision"),
    ]
    result = dry_run(file=csv_file(rows), filename="plan.csv", by=manager)
    assert result.problems == [
        Problem(
            2,
            "Lead",
            importing.LEAD_NOT_FOUND_IN_AGENCY.format(value="Charlie Brown", agency=CSC_NAME),
        ),
        Problem(
            3,
            "Lead",
            importing.LEAD_NOT_FOUND_IN_AGENCY.format(value="Alice Okafor", agency=police.name),
        ),
    ]


def test_a_deactivated_lead_named_by_full_name_is_refused(review, alice, manager):
    named(alice, "Alice", "Okafor", is_active=False)
    result = dry_run(file=csv_file([lead_row("Alice Okafor")]), filename="plan.csv", by=manager)
    assert result.problems == [
        Problem(2, "Lead", importing.LEAD_INACTIVE.format(value="Alice Okafor"))
    ]


def test_checking_costs_the_same_queries_for_3_rows_as_for_60(
    review, police, alice, charlie, manager
):
    """Leads by username, e-mail and full name, in two agencies: the lookups are a fixed
    number of queries, not one per row."""
    named(alice, "Alice", "Okafor")
    named(charlie, "Charlie", "Brown")
    agency_and_lead = [
        (CSC_NAME, "alice"),
        ("Met Police", "charlie@example.org"),
        (CSC_NAME, "Alice Okafor"),
        ("Met Police", "charlie brown"),
    ]

    def rows(n):
        return [
            [
                SCR,
                str(1 + i % 3),
                "New text",
                "",
                f"Action {i}",
                *agency_and_lead[i % 4],
                "2026-03-31",
            ]
            for i in range(n)
        ]

    def queries(n):
        with CaptureQueriesContext(connection) as ctx:
            result = parse_plan(csv_file(rows(n)), "plan.csv")
        assert result.ok, result.problems[:3]
        return len(ctx)

    assert queries(60) == queries(3)
