"""Import an existing action plan from a CSV file or an Excel workbook (.xlsx).

Most partnerships keep their action plans in spreadsheets. The first row is the header
(headers are matched case-insensitively, extra columns are ignored). The columns are the
plan source's (``actions.sources``: the registered source with an importer; for an SCR
plan ``scr.importing`` reads Review, Recommendation no. and Recommendation, finding or
creating the recommendation each action answers) followed by the action's own:

=====================  =========================================================
Action ref             the plan's own number, such as 3.2 (optional)
Action                 what is to be done (required)
Agency                 the owning agency's name or short name (must be active)
Lead                   username, e-mail or full name (first and last name, as the
                       export writes it) of a member of that agency who may
                       lead its actions (holds update_action: an agency lead
                       or designated safeguarding lead)
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
  otherwise the source's importer creates the new source records (through its own
  services) and every action is created through ``actions.services.action_create`` (so
  each starts its workflow) inside one transaction. It checks the file again inside that
  transaction, one import at a time, so a file sent twice at once is imported once.

Between the check and the import the page keeps the uploaded file, not the user:
:func:`store_upload` saves it under ``imports/`` in the default storage,
:func:`read_upload` and :func:`delete_upload` read and remove it, and the scheduler sweep
:func:`delete_stale_uploads` deletes any left there for more than a day.

Looking records up costs a fixed number of queries whatever the number of rows.

The file itself is read by ``core.tabular.read_table`` (size, row, column, cell and time
caps, encodings, formula cells: see there) with :data:`PLAN_TABLE`; this module checks
the values against the database.

Problems carry the row number as the spreadsheet shows it (the header is row 1), the
column and a message; the messages are the constants below, filled in with
``str.format``. A broken, oversized or unknown file gives a problem, never an exception.
"""

from __future__ import annotations

import contextlib
import re
import secrets
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from actions import services, sources
from actions.exporting import ACTION, ACTION_REF, AGENCY, LEAD, SHEET_TITLE, TARGET_DATE
from actions.models import Action, ActionState
from agencies.models import Agency, Membership
from agencies.selectors import holder_q
from core import dates, tabular
from core.tabular import Problem, TableRow
from core.transitions import TransitionForbidden

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
# A 2 MB workbook can unpack to gigabytes; a real plan of 2,000 rows unpacks to a few MB.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
# Physical rows read (blank ones included) before giving up on a sheet.
MAX_SCANNED_ROWS = 20 * MAX_ROWS
# What one upload may cost to read (see core.tabular.Limits): the caps above, a sheet of
# at most 250,000 cells and 500 columns, and 10 seconds.
READ_LIMITS = tabular.Limits(
    max_bytes=MAX_BYTES,
    max_rows=MAX_ROWS,
    max_scanned_rows=MAX_SCANNED_ROWS,
    max_unpacked_bytes=MAX_UNPACKED_BYTES,
)
MAX_REFERENCE_LENGTH = Action._meta.get_field("reference").max_length or 30
IMPORT_LOCK_KEY = 727_002  # PostgreSQL advisory lock (the scheduler's is 727_001)

# Uploaded files kept between the check and the import.
UPLOAD_DIR = "imports"
UPLOAD_MAX_AGE = timedelta(hours=24)

CSV_TYPES = tabular.CSV_TYPES
XLSX_TYPES = tabular.XLSX_TYPES

# The action's own columns, in the order problems are listed; header spellings accepted.
ACTION_COLUMNS = [ACTION_REF, ACTION, AGENCY, LEAD, TARGET_DATE]
ACTION_REQUIRED = [ACTION, AGENCY, LEAD, TARGET_DATE]
HEADERS: dict[str, list[str]] = {
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
}

# The table's words and limits; plan_table() adds the plan source's columns.
_TABLE = tabular.TableSpec(
    columns=ACTION_COLUMNS,
    required=ACTION_REQUIRED,
    document="the action plan",
    items="actions",
    sheet_title=SHEET_TITLE,
    limits=READ_LIMITS,
)


def plan_source() -> sources.Source | None:
    """The source an action plan's rows name (the first registered with an importer)."""
    found = sources.importers()
    return found[0] if found else None


def plan_table() -> tabular.TableSpec:
    """The table the shared reader reads: the plan source's columns, then the action's."""
    source = plan_source()
    importer = source.importer if source else None
    headers: dict[str, Any] = {**(importer.aliases if importer else {}), **HEADERS}
    return replace(
        _TABLE,
        columns=[*(importer.columns if importer else []), *ACTION_COLUMNS],
        required=[*(importer.required if importer else []), *ACTION_REQUIRED],
        aliases={alias: column for column, aliases in headers.items() for alias in aliases},
    )


def __getattr__(name: str) -> Any:
    # ``PLAN_TABLE`` (tests may swap its limits), ``COLUMNS`` and ``REQUIRED_COLUMNS``:
    # built for the sources registered now (they register at start-up).
    if name == "PLAN_TABLE":
        return plan_table()
    if name == "COLUMNS":
        return list(plan_table().columns)
    if name == "REQUIRED_COLUMNS":
        return list(plan_table().required)
    if name == "HEADER_ALIASES":
        return plan_table().header_map()
    raise AttributeError(name)


def _table() -> tabular.TableSpec:
    # A PLAN_TABLE set on the module (a test's limits) wins.
    spec = globals().get("PLAN_TABLE")
    return spec if isinstance(spec, tabular.TableSpec) else plan_table()


# -- messages (the tests reuse them) ----------------------------------------------------
NOT_PERMITTED_IMPORT = "Only the partnership manager can import an action plan."
# The file's own problems, in core.tabular's words for this table.
FILE_TYPE_REFUSED = _TABLE.message(tabular.FILE_TYPE_REFUSED)
FILE_TOO_BIG = _TABLE.message(tabular.FILE_TOO_BIG)
FILE_EMPTY = _TABLE.message(tabular.FILE_EMPTY)
FILE_UNREADABLE = _TABLE.message(tabular.FILE_UNREADABLE)
TOO_MANY_ROWS = _TABLE.message(tabular.TOO_MANY_ROWS)
TOO_MANY_CELLS = _TABLE.message(tabular.TOO_MANY_CELLS)
TOO_WIDE = _TABLE.message(tabular.TOO_WIDE)
TOO_SLOW = _TABLE.message(tabular.TOO_SLOW)
BROKEN_XLSX = _TABLE.message(tabular.BROKEN_XLSX)
XLSX_TOO_BIG_UNPACKED = _TABLE.message(tabular.XLSX_TOO_BIG_UNPACKED)
BROKEN_CSV = _TABLE.message(tabular.BROKEN_CSV)
CSV_ENCODING_UNKNOWN = _TABLE.message(tabular.CSV_ENCODING_UNKNOWN)
CSV_STRAY_BOM = _TABLE.message(tabular.CSV_STRAY_BOM)
NO_ROWS = _TABLE.message(tabular.NO_ROWS)
MISSING_COLUMN = tabular.MISSING_COLUMN
DUPLICATE_COLUMN = tabular.DUPLICATE_COLUMN
FORMULA_CELL = tabular.FORMULA_CELL
VALUE_REQUIRED = "{column} is empty: it is required."
NO_PLAN_SOURCE = "No kind of record can be imported with its actions on this site."
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
    "“{value}” is a member of {agency} but may not lead its actions: only its "
    + services.LEAD_ROLES
    + " may."
)
DATE_INVALID = "“{value}” is not a date: enter it as 31/03/2026, 2026-03-31 or 31 Mar 2026."
# A past target date is imported (an existing plan may be late), but not one that can
# only be a typo: the window every date keeps (core.dates).
DATE_OUT_OF_RANGE = (
    "{value} is not a likely target date: enter a date from 1 January 2000 and no more "
    f"than {services.TARGET_DATE_MAX_YEARS} years ahead."
)
DUPLICATE_ROW = (
    "This row repeats row {first_row}: the same action and agency, for the same "
    "recommendation (or other source)."
)
ALREADY_IN_PLAN = (
    "This action is already in the plan: the same action and agency, for the same "
    "recommendation or other source (was the file imported before?)."
)

_ISO_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
_ORDINAL = re.compile(r"(\d)(st|nd|rd|th)\b", re.IGNORECASE)
DATE_FORMATS = ("%d/%m/%Y", "%d %b %Y", "%d %B %Y", "%d-%b-%Y", "%d-%B-%Y", "%d-%m-%Y", "%d.%m.%Y")


# -- results ---------------------------------------------------------------------------------
# Problem (row, column, message) is core.tabular's: the file's problems and the rows'
# are listed together.


@dataclass
class PlanRow:
    """One checked row, with the records it names."""

    row: int
    source: sources.SourceRow  # what the plan source's importer found
    reference: str
    description: str
    agency: Agency
    lead: Any
    target_date: date

    def __getattr__(self, name: str) -> Any:
        # What the source's importer found, by name (``row.recommendation``, ``row.review``).
        attrs = self.__dict__.get("source")
        if attrs is not None and name in attrs.attrs:
            return attrs.attrs[name]
        raise AttributeError(name)

    @property
    def record(self) -> Any | None:
        """The source record (None: the import creates it)."""
        return self.source.record


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
    def new_sources(self) -> list[sources.SourceRow]:
        """Each source record the import creates (a new recommendation), once."""
        seen: dict[Any, sources.SourceRow] = {}
        for row in self.rows:
            if row.source.record is None:
                seen.setdefault(row.source.key, row.source)
        return list(seen.values())

    def problems_for_row(self, row: int | None) -> list[Problem]:
        return [p for p in self.problems if p.row == row]

    def add(self, row: int | None, column: str, message: str) -> None:
        self.problems.append(Problem(row, column, message))


class _RollBack(Exception):
    pass


_show = tabular.show
_RawRow = TableRow  # the rows the reader gives: .row, .values, .text(column)


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


def norm(text: str) -> str:
    """``text`` as lookups compare it: spacing and case ignored."""
    return " ".join(text.split()).casefold()


_norm = norm


class _Lookups:
    """Every record the rows name, loaded in a handful of queries."""

    def __init__(self, raw_rows: list[_RawRow]):
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

        # Who may lead each agency's actions (``update_action`` on it, as action
        # creation requires): one query for every agency the file names.
        self.agency_leads: set[tuple[int, int]] = set()
        if named_agency_ids:
            self.agency_leads = set(
                Membership.objects.filter(agency_id__in=named_agency_ids)
                .filter(holder_q("update_action", user="user", agency="agency"))
                .values_list("user_id", "agency_id")
            )

    def load_plan(self, records: list[Any]) -> None:
        """The open actions already on the rows' existing source records: one query."""
        by_type: dict[Any, set[int]] = defaultdict(set)
        for record in records:
            by_type[type(record)].add(record.pk)
        q = Q(pk__in=[])
        for model, ids in by_type.items():
            q |= Q(source_content_type=_content_type(model), source_object_id__in=ids)
        self.existing_actions = set()
        if by_type:
            self.existing_actions = {
                (ct_id, source_id, agency_id, _norm(description))
                for ct_id, source_id, agency_id, description in Action.objects.filter(q)
                .exclude(state=ActionState.CANCELLED)
                .values_list(
                    "source_content_type_id", "source_object_id", "agency_id", "description"
                )
            }

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


def _content_type(model: Any) -> Any:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(model)


def _check_rows(
    raw_rows: list[_RawRow], result: ImportResult, by: Any, table: tabular.TableSpec
) -> None:
    lookups = _Lookups(raw_rows)
    source = plan_source()
    if source is None or source.importer is None:
        result.add(None, "", NO_PLAN_SOURCE)
        return
    found = source.importer.resolve(raw_rows, by)

    # First pass: each cell on its own; the source's problems come from its importer.
    checked: list[dict[str, Any]] = []
    for raw, source_row in zip(raw_rows, found, strict=True):
        row_problems: list[Problem] = []

        def problem(
            column: str, message: str, row: int = raw.row, into: list[Problem] = row_problems
        ) -> None:
            into.append(Problem(row, column, message))

        values: dict[str, Any] = {"row": raw.row, "source": source_row}
        for column in table.required:
            if raw.text(column) == "":
                problem(column, VALUE_REQUIRED.format(column=column))
        row_problems.extend(source_row.problems)
        reference = raw.text(ACTION_REF)
        if len(reference) > MAX_REFERENCE_LENGTH:
            problem(ACTION_REF, REFERENCE_TOO_LONG.format(limit=MAX_REFERENCE_LENGTH))
        values["reference"] = reference
        values["description"] = raw.text(ACTION)
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
            elif not dates.in_window(target):  # the window every date keeps (core.dates)
                problem(TARGET_DATE, DATE_OUT_OF_RANGE.format(value=f"{target:%-d %B %Y}"))
            values["target_date"] = target
        values["problems"] = row_problems
        checked.append(values)

    # Second pass: duplicates, and what is already in the plan.
    lookups.load_plan([f.record for f in found if f.record is not None])
    content_type_id = _content_type(source.model).pk
    order = {column: i for i, column in enumerate(table.columns)}
    seen: dict[tuple[Any, ...], int] = {}
    for values in checked:
        row_problems = values["problems"]
        row = values["row"]
        source_row = values["source"]
        agency = values.get("agency")
        if source_row.key is not None and agency is not None and values["description"]:
            duplicate_key = (source_row.key, _norm(values["description"]), agency.pk)
            if duplicate_key in seen:
                row_problems.append(
                    Problem(row, "", DUPLICATE_ROW.format(first_row=seen[duplicate_key]))
                )
            else:
                seen[duplicate_key] = row
            record = source_row.record
            if (
                record is not None
                and (content_type_id, record.pk, agency.pk, _norm(values["description"]))
                in lookups.existing_actions
            ):
                row_problems.append(Problem(row, "", ALREADY_IN_PLAN))

        if row_problems:
            result.problems.extend(
                sorted(row_problems, key=lambda p: order.get(p.column, len(order)))
            )
            continue
        result.rows.append(
            PlanRow(
                row=row,
                source=source_row,
                reference=values["reference"],
                description=values["description"],
                agency=values["agency"],
                lead=values["lead"],
                target_date=values["target_date"],
            )
        )


# -- the public functions -----------------------------------------------------------------------
def parse_plan(file: bytes | IO[bytes] | Any, filename: str, by: Any = None) -> ImportResult:
    """Read and check every row of the plan; writes nothing. ``file`` is an uploaded
    file, a binary file object or the bytes; ``by`` is who would import it (a source
    record the import would create is checked against their permission)."""
    result = ImportResult(filename=filename or "")
    table = _table()
    try:
        raw_rows = tabular.read_table(
            file, table, filename=filename or getattr(file, "name", "") or ""
        )
    except tabular.TabularError as error:
        result.problems.extend(error.problems)
        return result
    _check_rows(raw_rows, result, by, table)
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
    return parse_plan(file, filename, by)


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
    created: list[Action] = []
    try:
        with transaction.atomic():
            # Checked again here, one import at a time: a second copy of the same file
            # sent at the same moment (a double click) finds the first one's actions.
            _one_import_at_a_time()
            result = parse_plan(file, filename, by)
            result.dry_run = False
            if result.problems:
                return result
            source = plan_source()
            assert source is not None and source.importer is not None
            try:
                # The source's own services create its new records, with their checks.
                source.importer.create([row.source for row in result.rows], by)
            except (ValidationError, TransitionForbidden) as exc:
                for message in getattr(exc, "messages", None) or [str(exc)]:
                    result.add(None, "", message)
                raise _RollBack from exc
            for row in result.rows:
                try:
                    action = services.action_create(
                        source=row.source.record,
                        agency=row.agency,
                        lead=row.lead,
                        description=row.description,
                        target_date=row.target_date,
                        by=by,
                        reference=row.reference,
                        # an existing plan may already be late: its dates are recorded
                        allow_past=True,
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
