"""Hostile plan files, built here, are refused quickly and plainly: a million tiny cells,
a very wide sheet, a sheet that lies about its size, a zip bomb, rows far down the sheet,
a file that takes too long to read (the time cap, tested by setting it tiny or with a
clock that runs fast: no timing asserts), and files in the wrong encoding or with formula
cells."""

from __future__ import annotations

import io
import struct
from dataclasses import replace

import pytest
from openpyxl import Workbook

from actions import importing
from actions.importing import Problem, parse_plan
from core import tabular
from tests.core.test_tabular__reading import inline, workbook

pytestmark = pytest.mark.django_db

PLAN_HEADER = [
    "Review",
    "Recommendation no.",
    "Recommendation",
    "Action ref",
    "Action",
    "Agency",
    "Lead",
    "Target date",
]
LETTERS = "ABCDEFGH"
HEADER_ROW = (
    '<row r="1">'
    + "".join(inline(f"{LETTERS[i]}1", title) for i, title in enumerate(PLAN_HEADER))
    + "</row>"
)


def tiny_cells(rows: int, columns: int, *, first_row: int = 2) -> bytes:
    """``rows`` rows of ``columns`` one-character cells, without names (the smallest XML),
    under the plan's header."""
    row = "<row>" + "<c><v>1</v></c>" * columns + "</row>"
    return (HEADER_ROW + row * rows).encode()


def hostile(rows_xml: bytes, dimension: str | None) -> bytes:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    return workbook(
        f'<worksheet xmlns="{main}">{dim}<sheetData>'.encode()
        + rows_xml
        + b"</sheetData></worksheet>"
    )


def refused(data: bytes, filename: str = "plan.xlsx") -> str:
    result = parse_plan(data, filename)
    assert not result.rows
    assert len(result.problems) == 1, result.problems
    assert result.problems[0].row is None
    return result.problems[0].message


@pytest.fixture
def never_parsed(monkeypatch):
    """Fail the test if the sheet's cells are parsed at all."""

    def parse(*args, **kwargs):
        raise AssertionError("the sheet was parsed")

    monkeypatch.setattr(tabular._SheetParser, "__init__", parse)


@pytest.fixture
def never_counted(monkeypatch):
    def count(*args, **kwargs):
        raise AssertionError("the sheet was read")

    monkeypatch.setattr(tabular._XlsxReader, "_count_cells", count)


# -- a million tiny cells ------------------------------------------------------------------------
MILLION = tiny_cells(10_000, 100)


def test_a_million_tiny_cells_are_refused_from_the_dimension_before_reading(
    never_parsed, never_counted
):
    data = hostile(MILLION, "A1:CV10001")
    assert len(data) < 100_000  # a small upload
    assert refused(data) == importing.TOO_MANY_CELLS


def test_a_million_tiny_cells_behind_a_lying_dimension_are_counted_and_refused_unparsed(
    never_parsed,
):
    for dimension in ("A1:H2", None):
        assert refused(hostile(MILLION, dimension)) == importing.TOO_MANY_CELLS


def test_the_cell_count_does_not_trust_a_sheet_without_cell_names_or_with_prefixes():
    prefixed = tiny_cells(3_000, 100).replace(b"<c>", b"<x:c>").replace(b"</c>", b"</x:c>")
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    data = workbook(
        f'<x:worksheet xmlns:x="{main}"><x:sheetData>'.encode()
        + prefixed.replace(b"<row", b"<x:row").replace(b"</row>", b"</x:row>")
        + b"</x:sheetData></x:worksheet>"
    )
    assert refused(data) == importing.TOO_MANY_CELLS


# -- a very wide sheet ---------------------------------------------------------------------------
def wide(rows: int) -> bytes:
    """``rows`` rows of 16,000 tiny cells each (about 1.8 MB of XML)."""
    row = "<row>" + "<c><v>1</v></c>" * 16_000 + "</row>"
    return (HEADER_ROW + row * rows).encode()


def test_a_very_wide_sheet_is_refused_from_its_dimension(never_parsed, never_counted):
    assert refused(hostile(wide(3), "A1:XFD4")) == importing.TOO_WIDE


def test_a_very_wide_sheet_behind_a_lying_dimension_is_refused_while_it_streams():
    data = hostile(wide(3), "A1:H4")
    assert refused(data) == importing.TOO_WIDE


def test_one_value_far_to_the_right_is_refused_as_too_wide():
    row = '<row r="2"><c r="ZZ2"><v>1</v></c></row>'
    assert refused(hostile(HEADER_ROW.encode() + row.encode(), None)) == importing.TOO_WIDE


# -- rows far down -------------------------------------------------------------------------------
def test_rows_far_down_the_sheet_are_refused_from_the_dimension_or_the_row_numbers(
    never_parsed,
):
    assert refused(hostile(HEADER_ROW.encode(), "A1:H1048576")) == importing.TOO_MANY_ROWS


def test_rows_far_down_behind_a_lying_dimension_are_refused_by_their_numbers():
    row = b'<row r="1048576"><c r="A1048576"><v>1</v></c></row>'
    assert refused(hostile(HEADER_ROW.encode() + row, "A1:H2")) == importing.TOO_MANY_ROWS


# -- zip bombs -----------------------------------------------------------------------------------
def test_a_zip_bomb_is_refused_from_the_archives_directory(never_parsed, never_counted):
    padding = b" " * (importing.MAX_UNPACKED_BYTES + 1)
    data = hostile(HEADER_ROW.encode() + padding, "A1:H1")
    assert len(data) < importing.MAX_BYTES
    assert refused(data) == importing.XLSX_TOO_BIG_UNPACKED


def _understate_sizes(data: bytes, name: bytes, size: int) -> bytes:
    """The archive with ``name``'s unpacked size written as ``size`` in its directory and
    its local header: a bomb that lies about itself."""
    out = bytearray(data)
    at = out.find(b"PK\x01\x02")
    while at != -1:
        name_length = struct.unpack("<H", out[at + 28 : at + 30])[0]
        if out[at + 46 : at + 46 + name_length] == name:
            out[at + 24 : at + 28] = struct.pack("<I", size)
            local = struct.unpack("<I", out[at + 42 : at + 46])[0]
            out[local + 22 : local + 26] = struct.pack("<I", size)
        at = out.find(b"PK\x01\x02", at + 4)
    return bytes(out)


def test_a_zip_bomb_that_understates_its_size_is_refused():
    padding = b" " * (importing.MAX_UNPACKED_BYTES + 1)
    data = hostile(HEADER_ROW.encode() + padding, "A1:H1")
    lying = _understate_sizes(data, b"xl/worksheets/sheet1.xml", 1000)
    assert refused(lying) == importing.BROKEN_XLSX


# -- the time cap --------------------------------------------------------------------------------
@pytest.fixture
def time_cap(monkeypatch):
    def set_cap(seconds: float, **limits):
        table = importing.PLAN_TABLE
        monkeypatch.setattr(
            importing,
            "PLAN_TABLE",
            replace(table, limits=replace(table.limits, max_seconds=seconds, **limits)),
        )

    return set_cap


def test_a_file_that_takes_too_long_to_read_is_stopped_with_a_clear_message(time_cap):
    time_cap(0, max_cells=10_000_000)  # the cell cap out of the way: only time stops it
    message = refused(hostile(MILLION, "A1:H2"))
    assert message == importing.PLAN_TABLE.message(tabular.TOO_SLOW)
    assert message.startswith("Reading the file took longer than 0 seconds, so it was stopped")
    csv_data = (",".join(PLAN_HEADER) + "\r\n" + "x,1,,,y,z,w,2026-03-31\r\n").encode()
    assert refused(csv_data, "plan.csv") == message


def test_the_deadline_is_checked_while_the_rows_stream(time_cap, monkeypatch):
    """A clock that moves a second each time it is read: a 60-second cap runs out
    partway through a sheet that is otherwise allowed."""
    time_cap(60, max_cells=10_000_000)
    ticks = iter(range(10_000_000))
    monkeypatch.setattr(tabular, "_clock", lambda: float(next(ticks)))
    assert refused(hostile(MILLION, None)) == importing.PLAN_TABLE.message(tabular.TOO_SLOW)
    assert 60 < next(ticks) < 10_000


def test_a_real_plan_is_read_well_within_the_caps(time_cap, monkeypatch):
    """2,000 rows of the export's width fit the cell cap and read in a few deadline
    checks."""
    book = Workbook()
    sheet_ = book.active
    sheet_.append([*PLAN_HEADER, *(f"Extra {n}" for n in range(7))])
    for n in range(2000):
        sheet_.append(["No such review", 1, "", f"{n}", f"Action {n}", "X", "y", "2026-03-31"])
    buffer = io.BytesIO()
    book.save(buffer)
    checks = []
    real = tabular._Deadline.check
    monkeypatch.setattr(tabular._Deadline, "check", lambda self: checks.append(1) or real(self))
    result = parse_plan(buffer.getvalue(), "plan.xlsx")
    assert len(result.problems) == 2000 * 3  # review, agency and lead unknown: read whole
    assert 0 < len(checks) < 100


# -- encodings, byte-order marks and formulas through the importer -------------------------------
def test_a_shift_jis_file_is_refused_with_save_as_csv_utf_8():
    text = ",".join(PLAN_HEADER) + "\r\nChild T,1,,,研修を実施する,警察,charlie,2026-03-31\r\n"
    message = refused(text.encode("shift_jis"), "plan.csv")
    assert message == importing.CSV_ENCODING_UNKNOWN
    assert "CSV UTF-8" in message


def test_a_byte_order_mark_in_the_middle_names_its_row():
    head = ("\ufeff" + ",".join(PLAN_HEADER) + "\r\n").encode()
    row = b"Child T,1,,,Train staff,Met Police,charlie,2026-03-31\r\n"
    data = head + row + "\ufeff".encode() + row
    result = parse_plan(data, "plan.csv")
    assert result.problems == [Problem(3, "", importing.CSV_STRAY_BOM)]


def test_formula_cells_say_what_they_held_instead_of_empty():
    book = Workbook()
    sheet_ = book.active
    sheet_.title = "Action plan"
    sheet_.append(PLAN_HEADER)
    sheet_.append(["Child T", 1, "", "", "Train staff", "Met Police", "charlie", "2026-03-31"])
    sheet_.append(["Child T", 1, "", "", "=A1&B1", "Met Police", "charlie", "2026-03-31"])
    buffer = io.BytesIO()
    book.save(buffer)
    result = parse_plan(buffer.getvalue(), "plan.xlsx")
    assert [str(p) for p in result.problems] == [
        "Row 3, Action: The cell holds a formula (=A1&B1): enter the text itself."
    ]
    assert not result.rows
