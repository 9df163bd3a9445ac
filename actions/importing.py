"""Import an existing action plan from a CSV file or an Excel workbook (.xlsx).

Most partnerships keep their SCR and CSPR action plans in spreadsheets. The first row is
the header (headers are matched case-insensitively, extra columns are ignored):

=====================  =========================================================
Review                 title of an existing review (required; never created here)
Recommendation no.     the recommendation's number (required); created under the
                       review if it does not exist yet, with the text from...
Recommendation         ...this column (required only for a new recommendation)
Action ref             the plan's own number, such as 3.2 (optional)
Action                 what is to be done (required)
Agency                 the owning agency's name or short name (must be active)
Lead                   username, e-mail or full name (first and last name, as the
                       export writes it) of an agency lead of that agency
Target date            2026-03-31, 31/03/2026, 31 Mar 2026 or a date cell; a past
                       date is kept (the plan may be late), but not one before 2000
                       or more than 10 years ahead (a typo)
=====================  =========================================================

A plan exported from the action list (``actions.exporting``, the board paper) imports
back as it is: its extra columns (Kind, State, RAG...) are ignored and its Lead column
holds the lead's full name, which is looked up among the members of the row's agency
(case and spacing do not matter; two members of that agency with the name make the row
ambiguous: use the username or e-mail there).

* :func:`parse_plan` reads and checks every row against the database and writes nothing;
* :func:`dry_run` is the same for a user who may import (the "check my file" button);
* :func:`import_plan` is all or nothing: any problem in any row and nothing is written,
  otherwise every action is created through ``actions.services.action_create`` (so each
  starts its workflow) inside one transaction. It checks the file again inside that
  transaction, one import at a time, so a file sent twice at once is imported once.

Between the check and the import the page keeps the uploaded file, not the user:
:func:`store_upload` saves it under ``imports/`` in the default storage,
:func:`read_upload` and :func:`delete_upload` read and remove it, and the scheduler sweep
:func:`delete_stale_uploads` deletes any left there for more than a day.

Looking records up costs a fixed number of queries whatever the number of rows.

Problems carry the row number as the spreadsheet shows it (the header is row 1), the
column and a message; the messages are the constants below, filled in with
``str.format``. A broken, oversized or unknown file gives a problem, never an exception.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import secrets
import zipfile
from collections import defaultdict
from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from actions import services
from actions.exporting import (
    ACTION,
    ACTION_REF,
    AGENCY,
    FORMULA_TRIGGERS,
    LEAD,
    RECOMMENDATION,
    RECOMMENDATION_NO,
    REVIEW,
    SHEET_TITLE,
    TARGET_DATE,
)
from actions.forms import TARGET_DATE_MAX_YEARS, latest_target_date
from actions.models import Action, ActionState
from agencies.models import Agency, Membership
from agencies.selectors import holder_q
from core.transitions import TransitionForbidden

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
# A 2 MB workbook can unpack to gigabytes; a real plan of 2,000 rows unpacks to a few MB.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
# Physical rows read (blank ones included) before giving up on a sheet.
MAX_SCANNED_ROWS = 20 * MAX_ROWS
MAX_REFERENCE_LENGTH = Action._meta.get_field("reference").max_length or 30
MAX_RECOMMENDATION_NUMBER = 32767
IMPORT_LOCK_KEY = 727_002  # PostgreSQL advisory lock (the scheduler's is 727_001)

# Uploaded files kept between the check and the import.
UPLOAD_DIR = "imports"
UPLOAD_MAX_AGE = timedelta(hours=24)

CSV_TYPES = {".csv"}
XLSX_TYPES = {".xlsx"}
ZIP_MAGIC = b"PK\x03\x04"
_FORMULA_START = "".join(FORMULA_TRIGGERS)

# -- messages (the tests reuse them) ----------------------------------------------------
NOT_PERMITTED_IMPORT = "Only the partnership manager can import an action plan."
FILE_TYPE_REFUSED = (
    "Upload the action plan as an Excel workbook (.xlsx) or a CSV file "
    "(.csv): save it in one of those formats from your spreadsheet first."
)
FILE_TOO_BIG = "The file is larger than 2 MB: split the action plan into smaller files."
FILE_EMPTY = "The file is empty."
FILE_UNREADABLE = "The file could not be read: upload it again."
TOO_MANY_ROWS = "The file has more than 2,000 rows: split the action plan into smaller files."
BROKEN_XLSX = (
    "The file could not be read as an Excel workbook: open it in Excel, save it "
    "again as an Excel workbook (.xlsx) and upload it again."
)
XLSX_TOO_BIG_UNPACKED = (
    "The workbook is too large once unpacked: copy the action plan "
    "into a new workbook and upload that."
)
BROKEN_CSV = (
    "The file could not be read as CSV text: save it from your spreadsheet as "
    "“CSV UTF-8 (comma delimited)” and upload it again."
)
NO_ROWS = "The file has no actions in it: the first row must be the header, actions below it."
MISSING_COLUMN = "The header row (row 1) has no “{column}” column."
DUPLICATE_COLUMN = "The header row (row 1) has the “{column}” column twice: keep one."
VALUE_REQUIRED = "{column} is empty: it is required."
REVIEW_NOT_FOUND = (
    "No review is titled “{value}”: correct the title, or create the review "
    "before importing its actions."
)
REVIEW_AMBIGUOUS = "More than one review is titled “{value}”: rename one of them first."
RECOMMENDATION_NUMBER_INVALID = (
    "“{value}” is not a recommendation number: enter a whole number such as 3."
)
RECOMMENDATION_TEXT_NEEDED = (
    "Recommendation {number} does not exist in this review yet: "
    "enter its text in the Recommendation column to create it."
)
RECOMMENDATION_TEXT_CONFLICT = (
    "Recommendation {number} is new and row {first_row} gives it "
    "different text: make the two the same."
)
REFERENCE_TOO_LONG = "The action ref must be {limit} characters or fewer."
AGENCY_NOT_FOUND = "No agency is called “{value}”: enter the agency's name or short name."
AGENCY_AMBIGUOUS = (
    "More than one agency has the short name “{value}”: enter the agency's full name."
)
AGENCY_INACTIVE = "{agency} is no longer an active agency: choose another agency."
LEAD_NOT_FOUND = "No user has the username or e-mail “{value}”."
LEAD_NOT_FOUND_IN_AGENCY = (
    "No member of {agency} has the name, username or e-mail “{value}”: "
    "enter the lead's name, username or e-mail."
)
LEAD_AMBIGUOUS = "More than one user has the e-mail “{value}”: enter the username instead."
LEAD_NAME_AMBIGUOUS = (
    "More than one member of {agency} is called “{value}”: "
    "enter the lead's username or e-mail instead."
)
LEAD_INACTIVE = "The account “{value}” is deactivated: choose another lead."
LEAD_NOT_IN_AGENCY = (
    "“{value}” is not a member of {agency}: the lead must be a member of the owning agency."
)
LEAD_NOT_AGENCY_LEAD = (
    "“{value}” is a member of {agency} but not one of its agency leads: the lead must be "
    "an agency lead of the owning agency."
)
DATE_INVALID = "“{value}” is not a date: enter it as 31/03/2026, 2026-03-31 or 31 Mar 2026."
# A past target date is imported (an existing plan may be late), but not one that can
# only be a typo.
EARLIEST_TARGET_DATE = date(2000, 1, 1)
DATE_OUT_OF_RANGE = (
    "{value} is not a likely target date: enter a date from 1 January 2000 and no more "
    f"than {TARGET_DATE_MAX_YEARS} years ahead."
)
DUPLICATE_ROW = (
    "This row repeats row {first_row}: the same review, recommendation, action and agency."
)
ALREADY_IN_PLAN = (
    "This action is already in the plan: the same recommendation, action and "
    "agency (was the file imported before?)."
)

# The columns read, in the order problems are listed; header spellings accepted.
COLUMNS = [REVIEW, RECOMMENDATION_NO, RECOMMENDATION, ACTION_REF, ACTION, AGENCY, LEAD, TARGET_DATE]
REQUIRED_COLUMNS = [REVIEW, RECOMMENDATION_NO, ACTION, AGENCY, LEAD, TARGET_DATE]


def _norm_header(text: Any) -> str:
    return re.sub(r"[^0-9a-z]+", " ", str(text or "").casefold()).strip()


HEADER_ALIASES: dict[str, str] = {
    _norm_header(alias): column
    for column, aliases in {
        REVIEW: ["Review", "Review title"],
        RECOMMENDATION_NO: [
            "Recommendation no.",
            "Recommendation number",
            "Recommendation no",
            "Recommendation #",
            "Rec no",
            "Rec no.",
            "Rec number",
        ],
        RECOMMENDATION: ["Recommendation", "Recommendation text"],
        ACTION_REF: [
            "Action ref",
            "Action reference",
            "Action ref.",
            "Action no.",
            "Ref",
            "Reference",
        ],
        ACTION: ["Action", "Action description", "Description"],
        AGENCY: ["Agency", "Owning agency", "Lead agency for action"],
        LEAD: ["Lead", "Action lead", "Lead officer"],
        TARGET_DATE: ["Target date", "Due date", "Target"],
    }.items()
    for alias in aliases
}

_ISO_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
_ORDINAL = re.compile(r"(\d)(st|nd|rd|th)\b", re.IGNORECASE)
DATE_FORMATS = ("%d/%m/%Y", "%d %b %Y", "%d %B %Y", "%d-%b-%Y", "%d-%B-%Y", "%d-%m-%Y", "%d.%m.%Y")
_RECOMMENDATION_NUMBER = re.compile(
    r"^(?:(?:rec(?:ommendation)?\.?|r)\s*)?(\d+)(?:\.0+)?$", re.IGNORECASE
)


# -- results ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """One thing wrong: ``row`` as the spreadsheet numbers it (the header is row 1; None
    for the file as a whole), ``column`` the column's name ("" for the whole row or file)."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"Row {self.row}")
        if self.column:
            where.append(self.column)
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass
class PlanRow:
    """One checked row, with the records it names."""

    row: int
    review: Any
    recommendation_number: int
    recommendation: Any | None  # None: created by the import
    recommendation_text: str
    reference: str
    description: str
    agency: Agency
    lead: Any
    target_date: date


@dataclass
class ImportResult:
    filename: str
    problems: list[Problem] = field(default_factory=list)
    rows: list[PlanRow] = field(default_factory=list)
    created: list[Action] = field(default_factory=list)
    dry_run: bool = True

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def written(self) -> bool:
        return bool(self.created)

    @property
    def new_recommendations(self) -> list[tuple[Any, int, str]]:
        """(review, number, text) of each recommendation the import creates."""
        seen: dict[tuple[int, int], tuple[Any, int, str]] = {}
        for row in self.rows:
            if row.recommendation is None:
                seen.setdefault(
                    (row.review.pk, row.recommendation_number),
                    (row.review, row.recommendation_number, row.recommendation_text),
                )
        return list(seen.values())

    def problems_for_row(self, row: int | None) -> list[Problem]:
        return [p for p in self.problems if p.row == row]

    def add(self, row: int | None, column: str, message: str) -> None:
        self.problems.append(Problem(row, column, message))


_Table = Generator[list[Any], None, None]


class _FileProblem(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class _RollBack(Exception):
    pass


def _show(value: Any, limit: int = 60) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- reading the file ------------------------------------------------------------------------
def _read_bytes(file: Any) -> bytes:
    size = getattr(file, "size", None)
    if isinstance(size, int) and size > MAX_BYTES:
        raise _FileProblem(FILE_TOO_BIG)
    if isinstance(file, bytes | bytearray | memoryview):
        data = bytes(file)
    else:
        try:
            if hasattr(file, "seek"):
                file.seek(0)
            data = file.read(MAX_BYTES + 1)
        except (OSError, ValueError) as exc:
            raise _FileProblem(FILE_UNREADABLE) from exc
        if isinstance(data, str):
            data = data.encode("utf-8")
        if not isinstance(data, bytes):
            raise _FileProblem(FILE_UNREADABLE)
    if len(data) > MAX_BYTES:
        raise _FileProblem(FILE_TOO_BIG)
    if not data.strip():
        raise _FileProblem(FILE_EMPTY)
    return data


def _unquote(cell: str) -> str:
    if len(cell) > 1 and cell[0] == "'" and cell[1] in _FORMULA_START:
        return cell[1:]
    return cell


def _csv_table(data: bytes) -> _Table:
    if data.startswith(ZIP_MAGIC) or b"\x00" in data:
        raise _FileProblem(BROKEN_CSV)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:  # Excel's plain "CSV (Comma delimited)" on Windows
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise _FileProblem(BROKEN_CSV) from exc
    first_line = text.split("\n", 1)[0]
    delimiter = max([",", ";", "\t"], key=first_line.count)
    if first_line.count(delimiter) == 0:
        delimiter = ","
    try:
        for cells in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            # Undo the quote ``actions.exporting`` puts before a formula-like cell.
            yield [_unquote(cell) for cell in cells]
    except csv.Error as exc:
        raise _FileProblem(BROKEN_CSV) from exc


def _xlsx_table(data: bytes) -> _Table:
    if not data.startswith(ZIP_MAGIC):
        raise _FileProblem(BROKEN_XLSX)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _FileProblem(BROKEN_XLSX) from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise _FileProblem(XLSX_TOO_BIG_UNPACKED)

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds on a broken file
        raise _FileProblem(BROKEN_XLSX) from exc
    try:
        sheets = [s for s in workbook.worksheets if hasattr(s, "iter_rows")]
        if not sheets:
            raise _FileProblem(BROKEN_XLSX)
        named = [s for s in sheets if s.title.strip().casefold() == SHEET_TITLE.casefold()]
        active = workbook.active if workbook.active in sheets else None
        if named:
            sheet = named[0]
        elif active is not None:
            sheet = active
        else:
            sheet = sheets[0]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # never trust the file's own idea of its size
        try:
            for values in sheet.iter_rows(min_row=1, values_only=True):
                yield list(values)
        except _FileProblem:
            raise
        except Exception as exc:
            raise _FileProblem(BROKEN_XLSX) from exc
    finally:
        workbook.close()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass
class _RawRow:
    row: int
    values: dict[str, Any]  # column -> the cell's value (str for CSV; typed for XLSX)

    def text(self, column: str) -> str:
        return _cell_text(self.values.get(column))


def _read_rows(table: _Table, result: ImportResult) -> list[_RawRow] | None:
    """The data rows under the header, or None if the file cannot be imported at all
    (the reason is in ``result``)."""
    try:
        header = next(table, None)
    except _FileProblem as exc:
        result.add(None, "", exc.message)
        return None
    positions: dict[str, int] = {}
    for index, title in enumerate(header or []):
        column = HEADER_ALIASES.get(_norm_header(title))
        if column is None:
            continue
        if column in positions:
            result.add(1, column, DUPLICATE_COLUMN.format(column=column))
        else:
            positions[column] = index
    for column in REQUIRED_COLUMNS:
        if column not in positions:
            result.add(1, column, MISSING_COLUMN.format(column=column))
    if result.problems:
        return None

    rows: list[_RawRow] = []
    try:
        for number, cells in enumerate(table, start=2):
            if number > MAX_SCANNED_ROWS + 1:
                result.add(None, "", TOO_MANY_ROWS)
                return None
            values = {
                column: cells[index] if index < len(cells) else None
                for column, index in positions.items()
            }
            if all(_cell_text(v) == "" for v in values.values()):
                continue  # a blank row
            rows.append(_RawRow(number, values))
            if len(rows) > MAX_ROWS:
                result.add(None, "", TOO_MANY_ROWS)
                return None
    except _FileProblem as exc:
        result.add(None, "", exc.message)
        return None
    if not rows:
        result.add(None, "", NO_ROWS)
        return None
    return rows


# -- checking values ---------------------------------------------------------------------------
def parse_date(value: Any) -> date | None:
    """A target date from a cell, or None if it is not one."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    match = _ISO_DATE.match(text)
    if match:
        try:
            return date.fromisoformat(match.group(1))
        except ValueError:
            return None
    text = _ORDINAL.sub(r"\1", text).replace("Sept", "Sep").replace("sept", "sep")
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def parse_recommendation_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            return None
        number = int(value)
    else:
        match = _RECOMMENDATION_NUMBER.match(str(value or "").strip())
        if not match:
            return None
        number = int(match.group(1))
    return number if 1 <= number <= MAX_RECOMMENDATION_NUMBER else None


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


class _Lookups:
    """Every record the rows name, loaded in a handful of queries."""

    def __init__(self, raw_rows: list[_RawRow]):
        from scr.models import Recommendation, Review

        self.reviews: dict[str, list[Any]] = defaultdict(list)
        for review in Review.objects.only("pk", "title", "pseudonym", "kind"):
            keys = {_norm(review.title), _norm(str(review))}
            for key in keys:
                self.reviews[key].append(review)

        self.agencies_by_name: dict[str, Agency] = {}
        self.agencies_by_short: dict[str, list[Agency]] = defaultdict(list)
        for agency in Agency.objects.all():
            self.agencies_by_name[_norm(agency.name)] = agency
            if agency.short_name:
                self.agencies_by_short[_norm(agency.short_name)].append(agency)

        wanted = {raw.text(LEAD) for raw in raw_rows} - {""}
        keys = {w.lower() for w in wanted} | wanted
        user_model = get_user_model()
        self.users_by_username: dict[str, Any] = {}
        self.users_by_email: dict[str, list[Any]] = defaultdict(list)
        if keys:
            users = user_model.objects.annotate(
                _u=Lower(user_model.USERNAME_FIELD), _e=Lower("email")
            ).filter(Q(_u__in=keys) | Q(_e__in=keys))
            for user in users:
                self.users_by_username[user.get_username().casefold()] = user
                if user.email:
                    self.users_by_email[user.email.casefold()].append(user)
        user_ids = {u.pk for u in self.users_by_username.values()}
        self.memberships = set(
            Membership.objects.filter(user_id__in=user_ids).values_list("user_id", "agency_id")
        )

        # A lead given by name (the export writes full names) is looked for among the
        # members of the agencies the file names: one query, whatever the row count.
        self.members_by_name: dict[tuple[int, str], list[Any]] = defaultdict(list)
        by_name = {
            w
            for w in wanted
            if w.casefold() not in self.users_by_username
            and w.casefold() not in self.users_by_email
        }
        agency_ids: set[int] = set()
        named_agency_ids: set[int] = set()
        for raw in raw_rows:
            if raw.text(AGENCY):
                row_agency, _ = self.agency(raw.text(AGENCY))
                if row_agency is not None:
                    named_agency_ids.add(row_agency.pk)
                    if raw.text(LEAD) in by_name:
                        agency_ids.add(row_agency.pk)
        if agency_ids:
            for membership in Membership.objects.filter(agency_id__in=agency_ids).select_related(
                "user"
            ):
                name = _norm(membership.user.get_full_name())
                members = self.members_by_name[(membership.agency_id, name)]
                if name and all(u.pk != membership.user_id for u in members):
                    members.append(membership.user)

        # Who may lead each agency's actions (its agency leads, as action creation
        # requires): one query for every agency the file names.
        self.agency_leads: set[tuple[int, int]] = set()
        if named_agency_ids:
            self.agency_leads = set(
                Membership.objects.filter(agency_id__in=named_agency_ids)
                .filter(holder_q("update_action", user="user", agency="agency"))
                .values_list("user_id", "agency_id")
            )

        self.recommendations: dict[tuple[int, int], Any] = {}
        self.recommendation_model = Recommendation

    def load_plan(self, review_ids: set[int]) -> None:
        """Existing recommendations of the reviews named, and their actions."""
        Recommendation = self.recommendation_model
        self.recommendations = {
            (r.review_id, r.number): r
            for r in Recommendation.objects.filter(review_id__in=review_ids)
        }
        content_type = ContentType.objects.get_for_model(Recommendation)
        self.existing_actions = {
            (source_id, agency_id, _norm(description))
            for source_id, agency_id, description in Action.objects.filter(
                source_content_type=content_type,
                source_object_id__in=[r.pk for r in self.recommendations.values()],
            )
            .exclude(state=ActionState.CANCELLED)
            .values_list("source_object_id", "agency_id", "description")
        }

    def review(self, title: str) -> tuple[Any | None, str | None]:
        found = self.reviews.get(_norm(title), [])
        unique = {r.pk: r for r in found}
        if not unique:
            return None, REVIEW_NOT_FOUND.format(value=_show(title))
        if len(unique) > 1:
            return None, REVIEW_AMBIGUOUS.format(value=_show(title))
        return next(iter(unique.values())), None

    def agency(self, name: str) -> tuple[Agency | None, str | None]:
        agency = self.agencies_by_name.get(_norm(name))
        if agency is None:
            matches = self.agencies_by_short.get(_norm(name), [])
            if len(matches) > 1:
                return None, AGENCY_AMBIGUOUS.format(value=_show(name))
            agency = matches[0] if matches else None
        if agency is None:
            return None, AGENCY_NOT_FOUND.format(value=_show(name))
        if not agency.is_active:
            return None, AGENCY_INACTIVE.format(agency=agency.name)
        return agency, None

    def lead(self, value: str, agency: Agency | None) -> tuple[Any | None, str | None]:
        """The user named by username, then e-mail, then full name among the members of
        ``agency``. Several members with the name are ambiguous, unless only one of them
        is active (a deactivated account could never lead the action)."""
        user = self.users_by_username.get(value.casefold())
        if user is None:
            matches = self.users_by_email.get(value.casefold(), [])
            if len(matches) > 1:
                return None, LEAD_AMBIGUOUS.format(value=_show(value))
            user = matches[0] if matches else None
        if user is None and agency is not None:
            named = self.members_by_name.get((agency.pk, _norm(value)), [])
            if len(named) > 1:
                active = [u for u in named if u.is_active]
                if len(active) > 1:
                    return None, LEAD_NAME_AMBIGUOUS.format(value=_show(value), agency=agency.name)
                named = active or named[:1]  # none active: "deactivated" below
            if not named:
                return None, LEAD_NOT_FOUND_IN_AGENCY.format(value=_show(value), agency=agency.name)
            user = named[0]
            if not user.is_active:
                return None, LEAD_INACTIVE.format(value=_show(value))
            return self._agency_lead(user, value, agency)  # found among its members
        if user is None:
            return None, LEAD_NOT_FOUND.format(value=_show(value))
        if not user.is_active:
            return None, LEAD_INACTIVE.format(value=_show(value))
        if agency is not None and (user.pk, agency.pk) not in self.memberships:
            return None, LEAD_NOT_IN_AGENCY.format(value=_show(value), agency=agency.name)
        if agency is not None:
            return self._agency_lead(user, value, agency)
        return user, None

    def _agency_lead(self, user: Any, value: str, agency: Agency) -> tuple[Any | None, str | None]:
        """``user``, a member of ``agency``, if they may lead its actions (as
        ``services.action_create`` requires)."""
        if (user.pk, agency.pk) not in self.agency_leads:
            return None, LEAD_NOT_AGENCY_LEAD.format(value=_show(value), agency=agency.name)
        return user, None


def _check_rows(raw_rows: list[_RawRow], result: ImportResult) -> None:
    lookups = _Lookups(raw_rows)

    # First pass: each cell on its own.
    checked: list[dict[str, Any]] = []
    for raw in raw_rows:
        row_problems: list[Problem] = []

        def problem(
            column: str, message: str, row: int = raw.row, into: list[Problem] = row_problems
        ) -> None:
            into.append(Problem(row, column, message))

        values: dict[str, Any] = {"row": raw.row}
        for column in REQUIRED_COLUMNS:
            if raw.text(column) == "":
                problem(column, VALUE_REQUIRED.format(column=column))

        if raw.text(REVIEW):
            values["review"], error = lookups.review(raw.text(REVIEW))
            if error:
                problem(REVIEW, error)
        if raw.text(RECOMMENDATION_NO):
            number = parse_recommendation_number(raw.values.get(RECOMMENDATION_NO))
            if number is None:
                problem(
                    RECOMMENDATION_NO,
                    RECOMMENDATION_NUMBER_INVALID.format(value=_show(raw.text(RECOMMENDATION_NO))),
                )
            values["number"] = number
        reference = raw.text(ACTION_REF)
        if len(reference) > MAX_REFERENCE_LENGTH:
            problem(ACTION_REF, REFERENCE_TOO_LONG.format(limit=MAX_REFERENCE_LENGTH))
        values["reference"] = reference
        values["description"] = raw.text(ACTION)
        values["recommendation_text"] = raw.text(RECOMMENDATION)
        agency = None
        if raw.text(AGENCY):
            agency, error = lookups.agency(raw.text(AGENCY))
            if error:
                problem(AGENCY, error)
        values["agency"] = agency
        if raw.text(LEAD):
            values["lead"], error = lookups.lead(raw.text(LEAD), agency)
            if error:
                problem(LEAD, error)
        if raw.text(TARGET_DATE):
            value = raw.values.get(TARGET_DATE)
            target = parse_date(value if isinstance(value, date) else raw.text(TARGET_DATE))
            if target is None:
                problem(TARGET_DATE, DATE_INVALID.format(value=_show(raw.text(TARGET_DATE))))
            elif not EARLIEST_TARGET_DATE <= target <= latest_target_date():
                problem(TARGET_DATE, DATE_OUT_OF_RANGE.format(value=f"{target:%-d %B %Y}"))
            values["target_date"] = target
        values["problems"] = row_problems
        checked.append(values)

    # Second pass: recommendations, duplicates, and what is already in the plan.
    lookups.load_plan({v["review"].pk for v in checked if v.get("review") is not None})
    new_texts: dict[tuple[int, int], tuple[str, int]] = {}
    for values in checked:
        review, number = values.get("review"), values.get("number")
        if review is None or number is None:
            continue
        key = (review.pk, number)
        values["recommendation"] = lookups.recommendations.get(key)
        if values["recommendation"] is None and values["recommendation_text"]:
            new_texts.setdefault(key, (values["recommendation_text"], values["row"]))

    seen: dict[tuple[Any, ...], int] = {}
    for values in checked:
        row_problems = values["problems"]
        row = values["row"]
        review, number = values.get("review"), values.get("number")
        if review is not None and number is not None:
            key = (review.pk, number)
            if values["recommendation"] is None:
                first = new_texts.get(key)
                if first is None:
                    row_problems.append(
                        Problem(
                            row, RECOMMENDATION, RECOMMENDATION_TEXT_NEEDED.format(number=number)
                        )
                    )
                else:
                    text, first_row = first
                    if values["recommendation_text"] and _norm(
                        values["recommendation_text"]
                    ) != _norm(text):
                        row_problems.append(
                            Problem(
                                row,
                                RECOMMENDATION,
                                RECOMMENDATION_TEXT_CONFLICT.format(
                                    number=number, first_row=first_row
                                ),
                            )
                        )
                    values["recommendation_text"] = text
            agency = values.get("agency")
            if agency is not None and values["description"]:
                duplicate_key = (review.pk, number, _norm(values["description"]), agency.pk)
                if duplicate_key in seen:
                    row_problems.append(
                        Problem(row, "", DUPLICATE_ROW.format(first_row=seen[duplicate_key]))
                    )
                else:
                    seen[duplicate_key] = row
                recommendation = values["recommendation"]
                if (
                    recommendation is not None
                    and (recommendation.pk, agency.pk, _norm(values["description"]))
                    in lookups.existing_actions
                ):
                    row_problems.append(Problem(row, "", ALREADY_IN_PLAN))

        if row_problems:
            order = {column: i for i, column in enumerate(COLUMNS)}
            result.problems.extend(
                sorted(row_problems, key=lambda p: order.get(p.column, len(order)))
            )
            continue
        result.rows.append(
            PlanRow(
                row=row,
                review=review,
                recommendation_number=values["number"],
                recommendation=values["recommendation"],
                recommendation_text=values["recommendation_text"],
                reference=values["reference"],
                description=values["description"],
                agency=values["agency"],
                lead=values["lead"],
                target_date=values["target_date"],
            )
        )


# -- the public functions -----------------------------------------------------------------------
def parse_plan(file: bytes | IO[bytes] | Any, filename: str) -> ImportResult:
    """Read and check every row of the plan; writes nothing. ``file`` is an uploaded
    file, a binary file object or the bytes."""
    result = ImportResult(filename=filename or "")
    suffix = Path(filename or getattr(file, "name", "") or "").suffix.lower()
    if suffix not in CSV_TYPES | XLSX_TYPES:
        result.add(None, "", FILE_TYPE_REFUSED)
        return result
    try:
        data = _read_bytes(file)
    except _FileProblem as exc:
        result.add(None, "", exc.message)
        return result
    table = _csv_table(data) if suffix in CSV_TYPES else _xlsx_table(data)
    try:
        raw_rows = _read_rows(table, result)
    finally:
        table.close()
    if raw_rows is None:
        result.rows = []
        return result
    _check_rows(raw_rows, result)
    if result.problems:
        result.problems.sort(key=lambda p: p.row or 0)  # stable: columns stay in order
    return result


def _one_import_at_a_time() -> None:
    """Inside the import's transaction, wait for any other import to finish. PostgreSQL:
    a transaction-scoped advisory lock; SQLite: its writers are serialised already (the
    transaction takes the write lock when it begins)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK_KEY])


def _require_permission(by: Any) -> None:
    if by is None or not by.has_perm("actions.manage_plan"):
        raise TransitionForbidden(NOT_PERMITTED_IMPORT)


def dry_run(*, file: bytes | IO[bytes] | Any, filename: str, by: Any) -> ImportResult:
    """Every row's problems, as the import would find them, without writing anything."""
    _require_permission(by)
    return parse_plan(file, filename)


_FIELD_COLUMNS = {
    "description": ACTION,
    "lead": LEAD,
    "agency": AGENCY,
    "target_date": TARGET_DATE,
    "reference": ACTION_REF,
}


def import_plan(*, file: bytes | IO[bytes] | Any, filename: str, by: Any) -> ImportResult:
    """Create every action in the file, or none: with any problem in any row nothing is
    written and the problems are returned."""
    _require_permission(by)
    from scr.models import Recommendation

    created: list[Action] = []
    try:
        with transaction.atomic():
            # Checked again here, one import at a time: a second copy of the same file
            # sent at the same moment (a double click) finds the first one's actions.
            _one_import_at_a_time()
            result = parse_plan(file, filename)
            result.dry_run = False
            if result.problems:
                return result
            new_recommendations: dict[tuple[int, int], Any] = {}
            for row in result.rows:
                recommendation = row.recommendation
                if recommendation is None:
                    key = (row.review.pk, row.recommendation_number)
                    if key not in new_recommendations:
                        new_recommendations[key], _ = Recommendation.objects.get_or_create(
                            review=row.review,
                            number=row.recommendation_number,
                            defaults={"text": row.recommendation_text},
                        )
                    recommendation = new_recommendations[key]
                try:
                    action = services.action_create(
                        source=recommendation,
                        agency=row.agency,
                        lead=row.lead,
                        description=row.description,
                        target_date=row.target_date,
                        by=by,
                        reference=row.reference,
                    )
                except ValidationError as exc:
                    if hasattr(exc, "error_dict"):
                        for name, messages in exc.message_dict.items():
                            for message in messages:
                                result.add(row.row, _FIELD_COLUMNS.get(name, ""), message)
                    else:
                        for message in exc.messages:
                            result.add(row.row, "", message)
                    continue
                created.append(action)
            if result.problems:
                raise _RollBack
    except _RollBack:
        return result
    result.created = created
    return result


# -- the uploaded file, kept between the check and the import -------------------------------
def _is_upload(path: str) -> bool:
    where = PurePosixPath(path)
    return where.parent == PurePosixPath(UPLOAD_DIR) and where.suffix in CSV_TYPES | XLSX_TYPES


def store_upload(data: bytes, filename: str) -> str:
    """Keep a checked file's bytes as ``imports/<random token>.<csv|xlsx>`` in the
    default storage; returns its path. The token is also the name the page uses for it
    (see :func:`upload_token`)."""
    suffix = Path(filename or "").suffix.lower()
    if suffix not in CSV_TYPES | XLSX_TYPES:
        raise ValueError(f"not a plan file: {filename!r}")
    token = secrets.token_hex(16)
    return default_storage.save(f"{UPLOAD_DIR}/{token}{suffix}", ContentFile(data))


def upload_token(path: str) -> str:
    return PurePosixPath(path).stem


def read_upload(path: str) -> bytes | None:
    """The kept file's bytes, or None if it is not there any more."""
    if not _is_upload(path):
        return None
    try:
        with default_storage.open(path, "rb") as stored:
            data = stored.read(MAX_BYTES + 1)
    except OSError:
        return None
    return bytes(data)


def delete_upload(path: str) -> None:
    """Delete a kept file; nothing happens if it is gone already."""
    if not _is_upload(path):
        return
    with contextlib.suppress(FileNotFoundError):
        default_storage.delete(path)


def _moment(when: date | datetime | None) -> datetime:
    now = timezone.now()
    if when is None:
        return now
    if isinstance(when, datetime):
        return when if timezone.is_aware(when) else timezone.make_aware(when)
    if when == timezone.localdate(now):
        return now
    return timezone.make_aware(datetime.combine(when, time.min))


def delete_stale_uploads(when: date | datetime | None = None) -> int:
    """Scheduler sweep: delete the files kept under ``imports/`` for more than
    :data:`UPLOAD_MAX_AGE` (a check nobody confirmed). ``when`` is the scheduler's today
    (meaning now; another day means its midnight) or a moment; returns how many files
    were deleted. Idempotent, and a file that disappears meanwhile is skipped."""
    cutoff = _moment(when) - UPLOAD_MAX_AGE
    try:
        _, names = default_storage.listdir(UPLOAD_DIR)
    except (FileNotFoundError, NotADirectoryError):
        return 0
    deleted = 0
    for name in names:
        path = f"{UPLOAD_DIR}/{name}"
        try:
            modified = default_storage.get_modified_time(path)
        except OSError:
            continue  # deleted since the listing (an import finished, another sweep)
        if modified > cutoff:
            continue
        try:
            default_storage.delete(path)
        except FileNotFoundError:
            continue
        deleted += 1
    return deleted
