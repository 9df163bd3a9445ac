"""Spreadsheets in and out: the one reader of uploaded CSV and XLSX files, and the helpers
that write formula-safe cells into exports.

Every importer (action plans today; audit templates, improvement plans and challenge logs
later) describes its table once and reads it with :func:`read_table`::

    PLAN = TableSpec(
        columns=["Review", "Action", ...],          # the columns read, in this order
        required=["Review", "Action"],
        aliases={"Review title": "Review", ...},     # other header spellings
        document="the action plan", items="actions",
    )
    try:
        rows = read_table(request.FILES["file"], PLAN)   # or bytes, or a binary file
    except TabularError as error:
        error.problems   # [Problem(row, column, message)], each a sentence for the user

Each :class:`TableRow` has its spreadsheet row number (the header is row 1) and the value
of each column: ``str`` from a CSV file; ``str``, ``int``, ``float``, ``bool`` or
``datetime`` (a date cell) from a workbook. ``row.text(column)`` is the value as trimmed
text. Blank rows are skipped; the file's other columns are ignored.

What is refused, always with a message and never an exception other than TabularError:

* a file that is not ``.csv`` or ``.xlsx``, empty, larger than ``limits.max_bytes``, or
  unreadable;
* CSV text that is not UTF-8 (with or without a byte-order mark), UTF-16 or UTF-32 with a
  byte-order mark, or Windows-1252 that decodes cleanly and reads as Western text (so a
  Shift-JIS file is refused instead of imported as mojibake); a byte-order mark in the
  middle of the file (two files joined) is named with its row;
* a workbook whose parts would unpack to more than ``limits.max_unpacked_bytes`` (a zip
  bomb), from the archive's directory (a part that says less than it unpacks to fails
  its CRC check where it stops);
* more than ``limits.max_scanned_rows`` rows, ``limits.max_columns`` columns or
  ``limits.max_cells`` cells: checked first from the sheet's own ``<dimension>`` before
  anything is parsed, then counted while the sheet streams (a sheet may lie about its
  dimension), stopping at the cap; more than ``limits.max_rows`` non-blank rows;
* reading that takes longer than ``limits.max_seconds`` (a deadline checked as rows and
  cells stream);
* a workbook cell in a column read that holds a formula: the importer cannot trust a
  cached result, so it says which formula the cell held and asks for the text itself.

The workbook is read by streaming its XML with expat (no DTD, no entities), not loaded.

Writing: :func:`neutralise_formula` / :func:`csv_cell` for CSV (a quote before text a
spreadsheet would run as a formula; :func:`read_table` takes it off again), and
:func:`xlsx_text` / :func:`set_xlsx_cell` for XLSX (text is always stored as text, control
characters a workbook cannot hold are dropped, and a text longer than a cell can hold is
cut with a note saying so).
"""

from __future__ import annotations

import codecs
import csv
import io
import posixpath
import re
import time
import zipfile
import zlib
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree
from xml.parsers import expat

# (row number, {column index from 0: value}) for each row a file holds, in order.
_RowStream = Generator[tuple[int, dict[int, Any]], None, None]

CSV_TYPES = frozenset({".csv"})
XLSX_TYPES = frozenset({".xlsx"})
ZIP_MAGIC = b"PK\x03\x04"

# -- messages: {document} and {items} come from the TableSpec, the rest from its Limits -----
FILE_TYPE_REFUSED = (
    "Upload {document} as an Excel workbook (.xlsx) or a CSV file "
    "(.csv): save it in one of those formats from your spreadsheet first."
)
FILE_TOO_BIG = "The file is larger than {max_size}: split {document} into smaller files."
FILE_EMPTY = "The file is empty."
FILE_UNREADABLE = "The file could not be read: upload it again."
TOO_MANY_ROWS = "The file has more than {max_rows:,} rows: split {document} into smaller files."
TOO_MANY_CELLS = (
    "The sheet has more than {max_cells:,} cells in use: copy only {document} into a new "
    "workbook, or save it as CSV UTF-8, and upload that."
)
TOO_WIDE = (
    "The sheet has more than {max_columns:,} columns in use: copy only {document} into a new "
    "workbook, or save it as CSV UTF-8, and upload that."
)
TOO_SLOW = (
    "Reading the file took longer than {max_seconds:g} seconds, so it was stopped: copy only "
    "{document} into a new workbook, or save it as CSV UTF-8, and upload that."
)
BROKEN_XLSX = (
    "The file could not be read as an Excel workbook: open it in Excel, save it "
    "again as an Excel workbook (.xlsx) and upload it again."
)
XLSX_TOO_BIG_UNPACKED = (
    "The workbook is too large once unpacked: copy {document} into a new workbook and upload that."
)
BROKEN_CSV = (
    "The file could not be read as CSV text: save it from your spreadsheet as "
    "“CSV UTF-8 (comma delimited)” and upload it again."
)
CSV_ENCODING_UNKNOWN = (
    "The file's text is not in an encoding that can be read safely (it is not UTF-8; it may "
    "be Shift-JIS or another non-Western encoding): save the file as CSV UTF-8 (in Excel: "
    "Save As, “CSV UTF-8 (comma delimited)”) and upload it again."
)
CSV_STRAY_BOM = (
    "This row has a byte-order mark in it (an invisible marker that belongs only at the very "
    "start of a file), so the file was probably joined from two files: remove the marker, or "
    "save the file again as CSV UTF-8 from your spreadsheet, and upload it again."
)
NO_ROWS = "The file has no {items} in it: the first row must be the header, {items} below it."
MISSING_COLUMN = "The header row (row 1) has no “{column}” column."
DUPLICATE_COLUMN = "The header row (row 1) has the “{column}” column twice: keep one."
FORMULA_CELL = "The cell holds a formula ({formula}): enter the text itself."
FORMULA_CELL_UNSHOWN = "The cell holds a formula: enter the text itself."


# -- what is read, and how much --------------------------------------------------------------
@dataclass(frozen=True)
class Limits:
    """How much one upload may hold and cost. The defaults fit a plan of 2,000 rows."""

    max_bytes: int = 2 * 1024 * 1024
    max_rows: int = 2000  # non-blank rows under the header
    max_scanned_rows: int = 40_000  # physical rows (blank ones included)
    max_columns: int = 500  # the right-most column holding a value
    max_cells: int = 250_000  # cells in the sheet (or its dimension's area), blank ones included
    max_unpacked_bytes: int = 50 * 1024 * 1024  # a workbook's parts, unpacked
    max_seconds: float = 10.0  # to read the file

    @property
    def max_size(self) -> str:
        mb = self.max_bytes / (1024 * 1024)
        return f"{mb:g} MB" if mb >= 1 else f"{self.max_bytes // 1024} KB"


@dataclass(frozen=True)
class TableSpec:
    """One importer's table: the columns it reads (in the order problems are listed), the
    ones the header must have, other spellings of their headers, and the words its
    messages use ("Upload {document} as...", "The file has no {items} in it")."""

    columns: Sequence[str]
    required: Sequence[str]
    aliases: Mapping[str, str] = field(default_factory=dict)
    document: str = "the table"
    items: str = "rows"
    sheet_title: str | None = None  # XLSX: read this sheet if there is one, else the active one
    limits: Limits = Limits()

    def header_map(self) -> dict[str, str]:
        """Normalised header spelling -> column, the column names themselves included."""
        found = {norm_header(column): column for column in self.columns}
        found.update({norm_header(alias): column for alias, column in self.aliases.items()})
        return found

    def message(self, template: str, **values: Any) -> str:
        """``template`` filled in with this table's words and limits."""
        limits = self.limits
        return template.format(
            document=self.document,
            items=self.items,
            max_size=limits.max_size,
            max_rows=limits.max_rows,
            max_cells=limits.max_cells,
            max_columns=limits.max_columns,
            max_seconds=limits.max_seconds,
            **values,
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


class TabularError(Exception):
    """The file cannot be read as the table: ``problems`` say why, for the user."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems

    @property
    def messages(self) -> list[str]:
        return [str(p) for p in self.problems]


@dataclass(frozen=True)
class Formula:
    """A workbook cell holding a formula (``text`` as Excel shows it, "" when the file does
    not say) and the result the file cached, if any."""

    text: str
    cached: Any = None


def cell_text(value: Any) -> str:
    """A cell's value as trimmed text: a date cell as 2026-03-31, a whole number without
    ".0"."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Formula):
        return value.text
    return str(value).strip()


@dataclass
class TableRow:
    row: int  # as the spreadsheet numbers it
    values: dict[str, Any]  # column -> the cell's value

    def text(self, column: str) -> str:
        return cell_text(self.values.get(column))


def norm_header(text: Any) -> str:
    return re.sub(r"[^0-9a-z]+", " ", str(text or "").casefold()).strip()


def show(value: Any, limit: int = 60) -> str:
    """A value quoted back to the user: one line, at most ``limit`` characters."""
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


_clock = time.monotonic  # the deadline's clock (a test may make it run fast)


class _Deadline:
    def __init__(self, spec: TableSpec):
        self.spec = spec
        self.end = _clock() + spec.limits.max_seconds

    def check(self) -> None:
        if _clock() >= self.end:
            raise _refusal(self.spec, TOO_SLOW)


def _refusal(spec: TableSpec, template: str, row: int | None = None) -> TabularError:
    return TabularError([Problem(row, "", spec.message(template))])


# -- the public reader -----------------------------------------------------------------------
def file_suffix(source: Any, filename: str | None = None) -> str:
    return Path(filename or getattr(source, "name", "") or "").suffix.lower()


def read_bytes(source: bytes | IO[bytes] | Any, spec: TableSpec) -> bytes:
    """The upload's bytes, read no further than the size limit."""
    max_bytes = spec.limits.max_bytes
    size = getattr(source, "size", None)
    if isinstance(size, int) and size > max_bytes:
        raise _refusal(spec, FILE_TOO_BIG)
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    else:
        try:
            if hasattr(source, "seek"):
                source.seek(0)
            data = source.read(max_bytes + 1)
        except (OSError, ValueError) as exc:
            raise _refusal(spec, FILE_UNREADABLE) from exc
        if isinstance(data, str):
            data = data.encode("utf-8")
        if not isinstance(data, bytes):
            raise _refusal(spec, FILE_UNREADABLE)
    if len(data) > max_bytes:
        raise _refusal(spec, FILE_TOO_BIG)
    if not data.strip():
        raise _refusal(spec, FILE_EMPTY)
    return data


def read_table(
    source: bytes | IO[bytes] | Any, spec: TableSpec, *, filename: str | None = None
) -> list[TableRow]:
    """The non-blank rows under the header of an uploaded CSV or XLSX file (``source``: an
    uploaded file, a binary file object or the bytes; ``filename`` defaults to its
    name), or :class:`TabularError` with every problem found."""
    suffix = file_suffix(source, filename)
    if suffix not in CSV_TYPES | XLSX_TYPES:
        raise _refusal(spec, FILE_TYPE_REFUSED)
    data = read_bytes(source, spec)
    deadline = _Deadline(spec)
    reader: _CsvReader | _XlsxReader
    reader = (
        _CsvReader(data, spec, deadline)
        if suffix in CSV_TYPES
        else _XlsxReader(data, spec, deadline)
    )
    rows = reader.rows()
    try:
        return _table(rows, reader, spec, deadline)
    finally:
        rows.close()


def _table(
    rows: _RowStream, reader: _Reader, spec: TableSpec, deadline: _Deadline
) -> list[TableRow]:
    limits = spec.limits
    first = next(rows, None)
    header = first[1] if first is not None and first[0] == 1 else {}
    aliases = spec.header_map()
    positions: dict[str, int] = {}
    problems: list[Problem] = []
    for index in sorted(header):
        column = aliases.get(norm_header(cell_text(header[index])))
        if column is None:
            continue
        if column in positions:
            problems.append(Problem(1, column, spec.message(DUPLICATE_COLUMN, column=column)))
        else:
            positions[column] = index
    for column in spec.required:
        if column not in positions:
            problems.append(Problem(1, column, spec.message(MISSING_COLUMN, column=column)))
    if problems:
        raise TabularError(problems)
    reader.keep = set(positions.values())

    found: list[TableRow] = []
    for number, cells in rows:
        if number > limits.max_scanned_rows + 1:
            raise _refusal(spec, TOO_MANY_ROWS)
        if number % 256 == 0:
            deadline.check()
        values = {column: cells.get(index) for column, index in positions.items()}
        if all(cell_text(v) == "" for v in values.values()):
            continue  # a blank row
        for column in spec.columns:
            value = values.get(column)
            if isinstance(value, Formula):
                message = (
                    spec.message(FORMULA_CELL, formula=show(value.text))
                    if value.text
                    else spec.message(FORMULA_CELL_UNSHOWN)
                )
                problems.append(Problem(number, column, message))
        found.append(TableRow(number, values))
        if len(found) > limits.max_rows:
            raise _refusal(spec, TOO_MANY_ROWS)
    if problems:
        raise TabularError(problems)
    if not found:
        raise _refusal(spec, NO_ROWS)
    return found


class _Reader:
    keep: set[int] | None = None  # the column indexes kept once the header is read

    def rows(self) -> _RowStream:  # pragma: no cover - abstract
        raise NotImplementedError


# -- CSV -------------------------------------------------------------------------------------
_UTF32_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"))
_UTF16_BOMS = ((codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# Windows-1252 text of a Western language has an accented letter or a typographic sign
# here and there, next to plain letters. Text in another encoding read as Windows-1252
# (Shift-JIS, EUC, GBK...) comes out as signs Western text hardly uses (the low quote,
# florin, circumflex and per mille signs, the currency sign...) and as pairs of non-ASCII
# characters that are not a word's letters (Shift-JIS for Japan reads as a quote, u acute
# and a dash).
_RARE_IN_WESTERN_TEXT = frozenset(
    "\u201a\u0192\u2020\u2021\u02c6\u2030\u2039\u203a\u02dc\u00a4\u00a5\u00a6\u00a8\u00af\u00b4\u00b8\u00b9\u00b3\u00ac\u00b6\u00a1\u00bf\u00a2"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _looks_like_western_text(text: str) -> bool:
    non_ascii = 0
    score = 0.0
    previous = ""
    for char in text:
        if char < "\x80":
            previous = ""
            continue
        non_ascii += 1
        if char in _RARE_IN_WESTERN_TEXT:
            score += 1
        if previous and previous != char:  # two in a row ("——" is a rule, not mojibake)
            both_letters = previous.isalpha() and char.isalpha()
            same_case = previous.islower() == char.islower()
            if not (both_letters and same_case):  # "ção", "CRÉÉE" are words
                score += 0.5
        previous = char
    return score < max(1.0, 0.1 * non_ascii)


def decode_text(data: bytes, spec: TableSpec) -> str:
    """The text of a CSV file, or TabularError if its encoding cannot be told."""
    for bom, encoding in _UTF32_BOMS + _UTF16_BOMS + ((codecs.BOM_UTF8, "utf-8-sig"),):
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise _refusal(spec, CSV_ENCODING_UNKNOWN) from exc
            if "\x00" in text:
                raise _refusal(spec, BROKEN_CSV)
            return text
    if data.startswith(ZIP_MAGIC) or b"\x00" in data:
        raise _refusal(spec, BROKEN_CSV)  # a workbook, UTF-16 without its mark, or binary
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:  # Excel's plain "CSV (Comma delimited)" on Windows
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise _refusal(spec, CSV_ENCODING_UNKNOWN) from exc
    if _CONTROL.search(text):
        raise _refusal(spec, BROKEN_CSV)
    if "ï»¿" in text:  # a UTF-8 byte-order mark inside text that is not UTF-8
        return text.replace("ï»¿", "\ufeff")  # reported with its row
    if not _looks_like_western_text(text):
        raise _refusal(spec, CSV_ENCODING_UNKNOWN)
    return text


class _CsvReader(_Reader):
    def __init__(self, data: bytes, spec: TableSpec, deadline: _Deadline):
        self.data, self.spec, self.deadline = data, spec, deadline

    def rows(self) -> _RowStream:
        spec, limits = self.spec, self.spec.limits
        text = decode_text(self.data, spec)
        first_line = text.split("\n", 1)[0]
        delimiter = max([",", ";", "\t"], key=first_line.count)
        if first_line.count(delimiter) == 0:
            delimiter = ","
        cells_seen = 0
        try:
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            for number, cells in enumerate(reader, start=1):
                if number > limits.max_scanned_rows + 1:
                    raise _refusal(spec, TOO_MANY_ROWS)
                if number % 256 == 1:
                    self.deadline.check()
                cells_seen += len(cells)
                if cells_seen > limits.max_cells:
                    raise _refusal(spec, TOO_MANY_CELLS)
                if len(cells) > limits.max_columns and any(cells[limits.max_columns :]):
                    raise _refusal(spec, TOO_WIDE)
                if any("\ufeff" in cell for cell in cells):
                    raise TabularError([Problem(number, "", spec.message(CSV_STRAY_BOM))])
                keep = self.keep
                yield (
                    number,
                    {
                        index: unquote_formula(cell)
                        for index, cell in enumerate(cells)
                        if keep is None or index in keep
                    },
                )
        except csv.Error as exc:
            raise _refusal(spec, BROKEN_CSV) from exc


# -- XLSX ------------------------------------------------------------------------------------
_NS_REL_WORKSHEET = "/worksheet"
_NS_REL_SHARED_STRINGS = "/sharedStrings"
_NS_REL_STYLES = "/styles"
_NS_REL_OFFICE_DOCUMENT = "/officeDocument"
_CELL_REF = re.compile(r"^([A-Z]{1,3})([0-9]{1,7})$")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref\s*=\s*[\"']([A-Za-z0-9:$]+)[\"']")
_MAX_XLSX_COLUMN = 16384
# Built-in number formats (ECMA-376 18.8.30) that show a date or a time, the East Asian
# ones included.
_DATE_FORMAT_IDS = frozenset([*range(14, 23), *range(27, 37), 45, 47, *range(50, 59)])
_SMALL_PART_BYTES = 16 * 1024 * 1024  # workbook, relationships, styles


class _Broken(Exception):
    pass


def _local(tag: str) -> str:
    return tag.rpartition("}")[2].rpartition(":")[2]


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + (ord(letter) - 64)
    return index


def _split_ref(ref: str) -> tuple[int, int]:
    match = _CELL_REF.match(ref.replace("$", "").upper())
    if not match:
        raise _Broken(ref)
    return _column_index(match.group(1)), int(match.group(2))


class _XlsxReader(_Reader):
    def __init__(self, data: bytes, spec: TableSpec, deadline: _Deadline):
        self.data, self.spec, self.deadline = data, spec, deadline
        self.shared: list[str] = []
        self.date_styles: set[int] = set()
        self.archive: zipfile.ZipFile
        self.infos: dict[str, zipfile.ZipInfo] = {}
        self.epoch = datetime(1899, 12, 30)

    # the archive
    def rows(self) -> _RowStream:
        spec = self.spec
        if not self.data.startswith(ZIP_MAGIC):
            raise _refusal(spec, BROKEN_XLSX)
        try:
            archive = zipfile.ZipFile(io.BytesIO(self.data))
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            raise _refusal(spec, BROKEN_XLSX) from exc
        try:
            infos = {info.filename: info for info in archive.infolist()}
            # A zip bomb: what the archive says its parts unpack to. zipfile never gives
            # more than that (it stops there, and a part that unpacks to more fails its
            # CRC check), so this caps the unpacking.
            if sum(info.file_size for info in infos.values()) > spec.limits.max_unpacked_bytes:
                raise _refusal(spec, XLSX_TOO_BIG_UNPACKED)
            self.archive, self.infos = archive, infos
            yield from self._sheet_rows()
        except (
            _Broken,
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            NotImplementedError,  # a compression method zipfile does not know
            RuntimeError,  # an encrypted member
            zlib.error,
            EOFError,
            OSError,
            ValueError,
            KeyError,
            IndexError,
            ElementTree.ParseError,
            expat.ExpatError,
        ) as exc:
            raise _refusal(spec, BROKEN_XLSX) from exc
        finally:
            archive.close()

    def _part(self, name: str, limit: int = _SMALL_PART_BYTES) -> ElementTree.Element | None:
        info = self.infos.get(name)
        if info is None:
            return None
        if info.file_size > limit:
            raise _refusal(self.spec, XLSX_TOO_BIG_UNPACKED)
        with self.archive.open(info) as stream:
            data = stream.read(limit + 1)
        if b"<!DOCTYPE" in data.upper():
            raise _Broken(name)  # a workbook's parts never declare one
        return ElementTree.fromstring(data)

    def _relationships(self, part: str) -> dict[str, tuple[str, str]]:
        """id -> (type, target path in the archive) of ``part``'s relationships."""
        folder, name = posixpath.split(part)
        root = self._part(posixpath.join(folder, "_rels", name + ".rels"))
        found: dict[str, tuple[str, str]] = {}
        for rel in root.iter() if root is not None else ():
            if _local(rel.tag) != "Relationship" or rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            found[rel.get("Id", "")] = (rel.get("Type", ""), posixpath.normpath(path))
        return found

    def _sheet_rows(self) -> _RowStream:
        workbook_path = next(
            (
                t
                for kind, t in self._relationships("").values()
                if kind.endswith(_NS_REL_OFFICE_DOCUMENT)
            ),
            None,
        )
        if workbook_path is None:
            raise _Broken("no workbook")
        workbook = self._part(workbook_path)
        if workbook is None:
            raise _Broken("no workbook")
        rels = self._relationships(workbook_path)
        sheets: list[tuple[str, str | None]] = []  # (title, path of a worksheet or None)
        active = 0
        for element in workbook.iter():
            tag = _local(element.tag)
            if tag == "sheet":
                rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), "")
                kind, path = rels.get(rid, ("", ""))
                sheets.append(
                    (element.get("name", ""), path if kind.endswith(_NS_REL_WORKSHEET) else None)
                )
            elif tag == "workbookView" and element.get("activeTab", "0").isdigit():
                active = int(element.get("activeTab", "0"))
            elif tag == "workbookPr" and element.get("date1904") in ("1", "true"):
                self.epoch = datetime(1904, 1, 1)
        worksheets = [(title, path) for title, path in sheets if path is not None]
        if not worksheets:
            raise _Broken("no worksheet")
        wanted = (self.spec.sheet_title or "").strip().casefold()
        named = [
            path for title, path in worksheets if wanted and title.strip().casefold() == wanted
        ]
        active_path = sheets[active][1] if active < len(sheets) else None
        sheet_path = named[0] if named else active_path or worksheets[0][1]
        if sheet_path is None or sheet_path not in self.infos:
            raise _Broken("no worksheet")
        info = self.infos[sheet_path]

        self._check_dimension(info)  # before anything else is parsed
        self._count_cells(info)
        for kind, path in rels.values():
            if kind.endswith(_NS_REL_STYLES):
                self._read_styles(path)
            elif kind.endswith(_NS_REL_SHARED_STRINGS) and path in self.infos:
                self._read_shared_strings(self.infos[path])
        yield from _SheetParser(self, info).rows()

    def _check_dimension(self, info: zipfile.ZipInfo) -> None:
        """Refuse from the sheet's own ``<dimension ref="A1:H40">``, read from its first
        bytes; a sheet that lies about it is caught while it streams."""
        with self.archive.open(info) as stream:
            head = stream.read(64 * 1024)
        match = _DIMENSION.search(head)
        if not match:
            return
        try:
            corners = [_split_ref(ref) for ref in match.group(1).decode("ascii").split(":")]
        except (_Broken, UnicodeDecodeError):
            return  # a dimension that makes no sense is no dimension
        (first_col, first_row), (last_col, last_row) = corners[0], corners[-1]
        limits = self.spec.limits
        if last_row > limits.max_scanned_rows + 1:
            raise _refusal(self.spec, TOO_MANY_ROWS)
        if last_col > limits.max_columns:
            raise _refusal(self.spec, TOO_WIDE)
        area = (abs(last_row - first_row) + 1) * (abs(last_col - first_col) + 1)
        if area > limits.max_cells:
            raise _refusal(self.spec, TOO_MANY_CELLS)

    def _count_cells(self, info: zipfile.ZipInfo) -> None:
        """Count the sheet's cells before parsing any (at C speed, without parsing), and
        refuse at the cap: the dimension may lie."""
        limits = self.spec.limits
        counted = 0
        carry = b""
        with self.archive.open(info) as stream:
            while chunk := stream.read(256 * 1024):
                self.deadline.check()
                data = carry + chunk
                cut = data.rfind(b"<")
                cut = cut if cut >= 0 and len(data) - cut < 64 else len(data)
                counted += len(_CELL_TAG.findall(data, 0, cut))
                carry = data[cut:]
                if counted > limits.max_cells:
                    raise _refusal(self.spec, TOO_MANY_CELLS)

    def _read_styles(self, path: str) -> None:
        from openpyxl.styles.numbers import is_date_format, is_timedelta_format

        root = self._part(path)
        if root is None:
            return
        formats: dict[int, str] = {}
        xfs: list[int] = []
        for element in root.iter():
            tag = _local(element.tag)
            if tag == "numFmt":
                with_id = element.get("numFmtId", "")
                if with_id.isdigit():
                    formats[int(with_id)] = element.get("formatCode", "")
            elif tag == "cellXfs":
                for xf in element:
                    if _local(xf.tag) == "xf":
                        value = xf.get("numFmtId", "0")
                        xfs.append(int(value) if value.isdigit() else 0)
        for index, format_id in enumerate(xfs):
            code = formats.get(format_id)
            if code is not None:
                if is_timedelta_format(code):
                    continue
                if is_date_format(code):
                    self.date_styles.add(index)
            elif format_id in _DATE_FORMAT_IDS:
                self.date_styles.add(index)

    def _read_shared_strings(self, info: zipfile.ZipInfo) -> None:
        limit = self.spec.limits.max_cells
        strings = self.shared
        state = {"depth_rph": 0, "in_t": False}
        parts: list[str] = []

        def start(name: str, attrs: dict[str, str]) -> None:
            tag = name.rpartition(":")[2]
            if tag == "si":
                parts.clear()
            elif tag == "rPh":
                state["depth_rph"] += 1
            elif tag == "t" and not state["depth_rph"]:
                state["in_t"] = True

        def end(name: str) -> None:
            tag = name.rpartition(":")[2]
            if tag == "si":
                strings.append("".join(parts))
                if len(strings) > limit:
                    raise _refusal(self.spec, TOO_MANY_CELLS)
                if len(strings) % 4096 == 0:
                    self.deadline.check()
            elif tag == "rPh":
                state["depth_rph"] -= 1
            elif tag == "t":
                state["in_t"] = False

        def text(data: str) -> None:
            if state["in_t"]:
                parts.append(data)

        for _ in _stream(self, info, start, end, text):
            pass


def _stream(
    reader: _XlsxReader,
    info: zipfile.ZipInfo,
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None],
    text: Callable[[str], None],
) -> Iterator[None]:
    """Feed one part of the archive to expat in chunks, yielding after each chunk."""
    parser = expat.ParserCreate()
    parser.buffer_text = True

    def refuse(*_: Any) -> None:
        raise _Broken("a DTD or an entity")

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    with reader.archive.open(info) as stream:
        while True:
            reader.deadline.check()
            chunk = stream.read(64 * 1024)
            if not chunk:
                break
            parser.Parse(chunk, False)
            yield None
    parser.Parse(b"", True)
    yield None


# A cell's start tag, counted before the sheet is parsed.
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")


class _SheetParser:
    """The cells of one worksheet, row by row, counted again as they stream. Only the
    cells of the columns kept are turned into values."""

    def __init__(self, reader: _XlsxReader, info: zipfile.ZipInfo):
        self.reader, self.info = reader, info
        self.spec = reader.spec
        self.max_cells = reader.spec.limits.max_cells
        self.max_columns = reader.spec.limits.max_columns
        self.ready: list[tuple[int, dict[int, Any]]] = []
        self.row_number = 0
        self.row: dict[int, Any] | None = None
        self.cells = 0  # cells parsed
        self.column = 0
        self.cell: tuple[str, str] | None = None  # (type, style) of a cell being read
        self.formula = False
        self.collect: list[str] | None = None
        self.v: list[str] = []
        self.f: list[str] = []
        self.inline: list[str] = []
        self.rph_depth = 0
        self.tags: dict[str, str] = {}
        self.columns: dict[str, int] = {}

    def rows(self) -> _RowStream:
        for _ in _stream(self.reader, self.info, self.start, self.end, self.text):
            ready, self.ready = self.ready, []
            yield from ready

    def _local(self, name: str) -> str:
        tag = self.tags.get(name)
        if tag is None:
            tag = self.tags[name] = name.rpartition(":")[2]
        return tag

    def _column(self, ref: str) -> int:
        letters = ref.rstrip("0123456789")
        column = self.columns.get(letters)
        if column is None:
            if not letters.isalpha() or not letters.isascii() or len(letters) > 3:
                raise _Broken(ref)
            column = self.columns[letters] = _column_index(letters.upper())
        return column

    def start(self, name: str, attrs: dict[str, str]) -> None:
        tag = self.tags.get(name) or self._local(name)
        if tag == "c":
            self.cells += 1
            if self.cells > self.max_cells:
                raise _refusal(self.spec, TOO_MANY_CELLS)
            if not self.cells & 4095:
                self.reader.deadline.check()
            ref = attrs.get("r")
            column = self._column(ref) if ref else self.column + 1
            if column > _MAX_XLSX_COLUMN:
                raise _refusal(self.spec, TOO_WIDE)
            self.column = column
            keep = self.reader.keep
            if keep is None or column - 1 in keep or column > self.max_columns:
                self.cell = (attrs.get("t", "n"), attrs.get("s", "0"))
                self.formula = False
                self.v, self.f, self.inline = [], [], []
            else:
                self.cell = None  # a column nobody reads: not even looked at
        elif tag == "row":
            ref = attrs.get("r")
            number = int(ref) if ref and ref.isdigit() else self.row_number + 1
            if number <= self.row_number:
                raise _Broken("rows out of order")
            if number > self.spec.limits.max_scanned_rows + 1:
                raise _refusal(self.spec, TOO_MANY_ROWS)
            self.row_number, self.row, self.column = number, {}, 0
        elif self.cell is not None:
            if tag == "v":
                self.collect = self.v
            elif tag == "f":
                self.formula = True
                self.collect = self.f
            elif tag == "rPh":
                self.rph_depth += 1
            elif tag == "t" and not self.rph_depth:
                self.collect = self.inline

    def end(self, name: str) -> None:
        tag = self.tags.get(name) or self._local(name)
        if tag == "c":
            if self.cell is None:
                return
            value = self._value(*self.cell)
            self.cell = None
            if value is None:
                return
            if self.column > self.max_columns:
                raise _refusal(self.spec, TOO_WIDE)
            if self.row is not None:
                self.row[self.column - 1] = value
        elif tag == "row":
            if self.row is not None:
                self.ready.append((self.row_number, self.row))
            self.row = None
        elif tag in ("v", "f", "t"):
            self.collect = None
        elif tag == "rPh":
            self.rph_depth -= 1

    def text(self, data: str) -> None:
        if self.collect is not None:
            self.collect.append(data)

    def _value(self, kind: str, style: str) -> Any:
        raw = "".join(self.v)
        value: Any
        if kind == "s":
            value = self.reader.shared[int(raw)] if raw else None
        elif kind == "inlineStr":
            value = "".join(self.inline)
        elif kind in ("str", "e"):
            value = raw
        elif kind == "b":
            value = raw.strip() in ("1", "true") if raw else None
        elif kind == "d":
            try:
                value = datetime.fromisoformat(raw.strip()) if raw else None
            except ValueError:
                value = raw
        else:
            value = self._number(raw.strip(), style)
        if self.formula:
            formula = "".join(self.f).strip()
            return Formula("=" + formula if formula else "", value)
        if value == "" and kind != "inlineStr":
            return None
        return value

    def _number(self, raw: str, style: str) -> Any:
        if not raw:
            return None
        number: int | float = float(raw) if any(c in raw for c in ".eE") else int(raw)
        style_index = int(style) if style.isdigit() else 0
        if style_index in self.reader.date_styles:
            from openpyxl.utils.datetime import from_excel

            try:
                return from_excel(number, self.reader.epoch)
            except (OverflowError, ValueError):
                return number
        return number


# -- writing ---------------------------------------------------------------------------------
# A spreadsheet treats a cell starting with one of these as a formula (or, for tab and
# carriage return, may strip them and then see a formula).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_START = "".join(FORMULA_TRIGGERS)
# Control characters an XLSX file cannot hold.
XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# The most characters (UTF-16 code units, as Excel counts) an XLSX cell holds.
XLSX_MAX_CELL_CHARS = 32767
XLSX_CUT_NOTE = "… [cut: {count:,} more characters; the CSV export has the whole text]"


def neutralise_formula(value: str) -> str:
    """Prefix a cell a spreadsheet would run as a formula with a single quote."""
    if value and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def unquote_formula(cell: str) -> str:
    """Take off the quote :func:`neutralise_formula` put before a formula-like cell."""
    if len(cell) > 1 and cell[0] == "'" and cell[1] in _FORMULA_START:
        return cell[1:]
    return cell


def csv_cell(value: Any) -> str:
    """A value as a CSV cell: a date as 2026-03-31, text made formula-safe."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool | int | float):
        return str(value)
    return neutralise_formula(str(value))


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def xlsx_text(value: str, *, note: str = XLSX_CUT_NOTE) -> str:
    """``value`` as an XLSX cell can hold it: without the control characters a workbook
    cannot hold and, when longer than :data:`XLSX_MAX_CELL_CHARS`, cut and ended with
    ``note`` (formatted with ``count``: how many characters were cut)."""
    text = XLSX_ILLEGAL.sub("", value)
    if _utf16_length(text) <= XLSX_MAX_CELL_CHARS:
        return text
    units = text.encode("utf-16-le")
    count = len(text)  # the note is sized for a count at least the final one, so it fits
    for _ in range(4):
        room = XLSX_MAX_CELL_CHARS - _utf16_length(note.format(count=count))
        kept = units[: room * 2].decode("utf-16-le", errors="ignore")
        cut = len(text) - len(kept)
        if cut >= count:
            break
        count = cut  # a shorter count leaves room to keep more
    return kept + note.format(count=len(text) - len(kept))


def set_xlsx_cell(
    sheet: Any, row: int, column: int, value: Any, *, note: str = XLSX_CUT_NOTE
) -> Any:
    """Write ``value`` into an openpyxl ``sheet``: text always as text (never a formula),
    made to fit (:func:`xlsx_text`); returns the cell."""
    if isinstance(value, str):
        value = xlsx_text(value, note=note)
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # openpyxl would store it as a formula
    return cell
