"""core.tabular's writers: formula-safe CSV cells, XLSX text that stays text, and a text
too long for an XLSX cell cut with a note that says so (the CSV keeps it whole)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook

from actions.exporting import ACTION, COLUMNS, write_csv, write_xlsx
from core import tabular


@pytest.mark.parametrize("text", ["=1+1", "+SUM(A1)", "-2", "@cmd", "\tx", "\r=1"])
def test_a_csv_cell_a_spreadsheet_would_run_gets_a_quote_the_reader_takes_off(text):
    cell = tabular.csv_cell(text)
    assert cell == "'" + text
    assert tabular.unquote_formula(cell) == text
    assert tabular.csv_cell(date(2026, 3, 31)) == "2026-03-31"
    assert tabular.csv_cell(None) == ""
    assert tabular.csv_cell(3) == "3"


def read_back(text: str) -> str:
    book = Workbook()
    tabular.set_xlsx_cell(book.active, 1, 1, text)
    buffer = io.BytesIO()
    book.save(buffer)
    return load_workbook(io.BytesIO(buffer.getvalue())).active["A1"].value


def test_xlsx_text_is_text_without_the_control_characters_a_workbook_cannot_hold():
    assert read_back('=HYPERLINK("x")\x07') == '=HYPERLINK("x")'


def test_a_text_that_fits_a_cell_is_written_whole():
    text = "x" * tabular.XLSX_MAX_CELL_CHARS
    assert tabular.xlsx_text(text) == text
    assert read_back(text) == text


@pytest.mark.parametrize("extra", [1, 5_000, 100_000])
def test_a_text_too_long_for_a_cell_ends_saying_how_much_was_cut(extra):
    text = "".join(str(n % 10) for n in range(tabular.XLSX_MAX_CELL_CHARS + extra))
    written = read_back(text)
    # as much as fits, so openpyxl cuts nothing
    assert tabular.XLSX_MAX_CELL_CHARS - 1 <= len(written) <= tabular.XLSX_MAX_CELL_CHARS
    kept, note = written.split("… [cut: ")
    assert text.startswith(kept)
    cut = len(text) - len(kept)
    assert note == f"{cut:,} more characters; the CSV export has the whole text]"


def test_a_cut_never_splits_a_character_outside_the_basic_plane():
    text = "😀" * tabular.XLSX_MAX_CELL_CHARS  # two UTF-16 units each, as Excel counts
    written = tabular.xlsx_text(text)
    assert len(written.encode("utf-16-le")) // 2 <= tabular.XLSX_MAX_CELL_CHARS
    kept = written.split("…")[0]
    assert set(kept) == {"😀"}
    assert f"[cut: {len(text) - len(kept):,} more characters" in written


def test_the_plan_export_says_so_in_the_xlsx_and_keeps_the_whole_text_in_the_csv():
    long_action = "Review every strategy discussion. " * 1200  # about 40,800 characters
    row = dict.fromkeys(COLUMNS, "")
    row[ACTION] = long_action
    sheet = load_workbook(io.BytesIO(write_xlsx([row]))).active
    cell = sheet.cell(row=2, column=COLUMNS.index(ACTION) + 1).value
    assert len(cell) <= tabular.XLSX_MAX_CELL_CHARS
    assert cell.endswith("more characters; the CSV export has the whole text]")
    assert long_action.startswith(cell.split("… [cut:")[0])

    out = io.StringIO()
    write_csv([row], out)
    rows = list(csv.reader(io.StringIO(out.getvalue().lstrip("\ufeff"))))
    assert rows[1][COLUMNS.index(ACTION)] == long_action
