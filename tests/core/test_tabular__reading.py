"""core.tabular.read_table: one reader of uploaded CSV and XLSX files for every importer.
Encodings are told apart or refused plainly, a stray byte-order mark and a formula cell
are named with their row, and a workbook is streamed (header aliases, date cells, shared
and inline strings, the sheet named by the importer)."""

from __future__ import annotations

import codecs
import io
import zipfile
from dataclasses import replace
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from core import tabular
from core.tabular import Problem, TableSpec, TabularError, read_table

SPEC = TableSpec(
    columns=["Review", "Action", "Target date"],
    required=["Review", "Action"],
    aliases={"Review title": "Review", "Due date": "Target date"},
    document="the test plan",
    items="lines",
    sheet_title="Plan",
)

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def workbook(sheet_xml: bytes | str, *, shared_strings: str | None = None) -> bytes:
    """A minimal XLSX file holding one sheet with the XML given (as some programs write
    it, or as an attacker does)."""
    if isinstance(sheet_xml, str):
        sheet_xml = sheet_xml.encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" '
            f'Type="{DOC_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="{DOC_RELS}"><sheets>'
            '<sheet name="Plan" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        rels = (
            f'<Relationship Id="rId1" Type="{DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
        )
        if shared_strings is not None:
            rels += (
                f'<Relationship Id="rId2" Type="{DOC_RELS}/sharedStrings" '
                'Target="sharedStrings.xml"/>'
            )
            archive.writestr("xl/sharedStrings.xml", shared_strings)
        archive.writestr(
            "xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{RELS}">{rels}</Relationships>'
        )
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return buffer.getvalue()


def sheet(rows: str, dimension: str | None = None) -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<worksheet xmlns="{MAIN}">{dim}<sheetData>{rows}</sheetData></worksheet>'


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


HEADER_ROW = '<row r="1">' + inline("A1", "Review") + inline("B1", "Action") + "</row>"


def refusal(data: bytes, filename: str, spec: TableSpec = SPEC) -> list[str]:
    with pytest.raises(TabularError) as caught:
        read_table(data, spec, filename=filename)
    return caught.value.messages


def only(data: bytes, filename: str, spec: TableSpec = SPEC) -> str:
    messages = refusal(data, filename, spec)
    assert len(messages) == 1, messages
    return messages[0]


# -- CSV encodings ---------------------------------------------------------------------------
CSV_TEXT = "Review,Action\r\nChild T,Share the \u2018think family\u2019 guide with Zoë\r\n"


@pytest.mark.parametrize(
    "data",
    [
        CSV_TEXT.encode("utf-8"),
        codecs.BOM_UTF8 + CSV_TEXT.encode("utf-8"),
        codecs.BOM_UTF16_LE + CSV_TEXT.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + CSV_TEXT.encode("utf-16-be"),
        CSV_TEXT.encode("cp1252"),  # Excel's plain "CSV (Comma delimited)"
    ],
    ids=["utf-8", "utf-8 with BOM", "utf-16 LE", "utf-16 BE", "windows-1252"],
)
def test_the_encodings_a_spreadsheet_saves_are_read(data):
    rows = read_table(data, SPEC, filename="plan.csv")
    assert [(r.row, r.text("Review"), r.text("Action")) for r in rows] == [
        (2, "Child T", "Share the \u2018think family\u2019 guide with Zoë")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Review,Action\r\nChild T,研修を実施する\r\n",
        "Review,Action\r\nChild T,カ\r\n",
        "Review,Action\r\n子どもの安全,日本\r\n",
    ],
)
def test_shift_jis_is_refused_not_imported_as_mojibake(text):
    data = text.encode("shift_jis")
    assert only(data, "plan.csv") == tabular.CSV_ENCODING_UNKNOWN
    assert "Save the file as CSV UTF-8".casefold() in tabular.CSV_ENCODING_UNKNOWN.casefold()


def test_western_text_in_windows_1252_is_not_mistaken_for_another_encoding():
    text = (
        "Review,Action\r\nChild T,« Ça va » “Élan” ação créée Œuvre Müller — 1½ days, £5, "
        "São João, naïve\r\n"
    )
    rows = read_table(text.encode("cp1252"), SPEC, filename="plan.csv")
    assert rows[0].text("Action").startswith("« Ça va » “Élan” ação")


def test_utf_16_without_its_byte_order_mark_is_refused():
    data = CSV_TEXT.encode("utf-16-le")
    assert only(data, "plan.csv") == tabular.BROKEN_CSV


@pytest.mark.parametrize(
    "data",
    [
        # two UTF-8 files joined: the second one's byte-order mark is on row 3
        codecs.BOM_UTF8
        + b"Review,Action\r\nChild T,First\r\n"
        + codecs.BOM_UTF8
        + b"Child T,Second\r\n",
        # a Windows-1252 file with a UTF-8 file (and its mark) joined on
        b"Review,Action\r\nChild T,Caf\xe9\r\n" + codecs.BOM_UTF8 + b"Child T,Second\r\n",
    ],
    ids=["utf-8", "windows-1252"],
)
def test_a_byte_order_mark_in_the_middle_is_named_with_its_row(data):
    with pytest.raises(TabularError) as caught:
        read_table(data, SPEC, filename="plan.csv")
    assert caught.value.problems == [Problem(3, "", tabular.CSV_STRAY_BOM)]
    assert str(caught.value.problems[0]).startswith("Row 3: This row has a byte-order mark")


def test_the_quote_an_export_puts_before_a_formula_is_taken_off():
    data = b"Review,Action\r\nChild T,'=Review the front door\r\n"
    assert read_table(data, SPEC, filename="plan.csv")[0].text("Action") == (
        "=Review the front door"
    )


# -- headers, rows -------------------------------------------------------------------------------
def test_aliases_blank_rows_and_other_columns():
    data = (
        b"Notes,Review title,Action,Due date\r\n"
        b"x,Child T,One,2026-03-31\r\n,,,\r\ny,Child T,Two,\r\n"
    )
    rows = read_table(data, SPEC, filename="plan.CSV")
    assert [(r.row, r.values) for r in rows] == [
        (2, {"Review": "Child T", "Action": "One", "Target date": "2026-03-31"}),
        (4, {"Review": "Child T", "Action": "Two", "Target date": ""}),
    ]


def test_header_problems_are_all_listed_on_row_1():
    with pytest.raises(TabularError) as caught:
        read_table(b"Action,action ,Other\r\nx,y,z\r\n", SPEC, filename="plan.csv")
    assert caught.value.problems == [
        Problem(1, "Action", tabular.DUPLICATE_COLUMN.format(column="Action")),
        Problem(1, "Review", tabular.MISSING_COLUMN.format(column="Review")),
    ]


def test_the_messages_use_the_importers_words_and_limits():
    spec = replace(SPEC, limits=replace(SPEC.limits, max_rows=3))
    data = b"Review,Action\r\n" + b"Child T,x\r\n" * 4
    assert only(data, "plan.csv", spec) == (
        "The file has more than 3 rows: split the test plan into smaller files."
    )
    assert only(b"Review,Action\r\n", "plan.csv") == (
        "The file has no lines in it: the first row must be the header, lines below it."
    )
    assert only(b"x", "plan.pdf") == (
        "Upload the test plan as an Excel workbook (.xlsx) or a CSV file (.csv): save it in "
        "one of those formats from your spreadsheet first."
    )


def test_an_upload_larger_than_the_limit_is_not_read_further():
    spec = replace(SPEC, limits=replace(SPEC.limits, max_bytes=1024))
    upload = io.BytesIO(b"Review,Action\r\n" + b"x" * 10_000)
    assert only(upload, "plan.csv", spec) == (
        "The file is larger than 1 KB: split the test plan into smaller files."
    )
    assert upload.tell() == 1025


# -- XLSX ----------------------------------------------------------------------------------------
def test_a_workbook_written_by_excel_or_openpyxl_is_read():
    book = Workbook()
    book.active.title = "Cover"
    book.active.append(["Not this sheet"])
    plan = book.create_sheet("Plan")
    plan.append(["Review", "Action", "Due date", "Notes"])
    plan.append(["Child T", "Train staff", date(2026, 3, 31), "x"])
    plan.append([None, None, None, None])
    plan.append(["Child T", 12, datetime(2026, 4, 1, 9, 30), None])
    plan["B5"] = "=Not a formula"
    plan["B5"].data_type = "s"  # text typed by a person
    plan["A5"] = "Child T"
    buffer = io.BytesIO()
    book.save(buffer)
    rows = read_table(buffer.getvalue(), SPEC, filename="plan.xlsx")
    assert [(r.row, r.values) for r in rows] == [
        (2, {"Review": "Child T", "Action": "Train staff", "Target date": datetime(2026, 3, 31)}),
        (4, {"Review": "Child T", "Action": 12, "Target date": datetime(2026, 4, 1, 9, 30)}),
        (5, {"Review": "Child T", "Action": "=Not a formula", "Target date": None}),
    ]
    assert rows[0].text("Target date") == "2026-03-31"


def test_shared_strings_and_rich_text_are_read_without_phonetic_runs():
    strings = (
        f'<sst xmlns="{MAIN}"><si><t>Review</t></si><si><t>Action</t></si>'
        "<si><r><t>Child </t></r><r><t>T</t></r><rPh><t>ignored</t></rPh></si></sst>"
    )
    rows = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
        '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="str"><v>Do it</v></c></row>'
    )
    found = read_table(workbook(sheet(rows), shared_strings=strings), SPEC, filename="p.xlsx")
    assert [(r.row, r.values["Review"], r.values["Action"]) for r in found] == [
        (2, "Child T", "Do it")
    ]


def test_a_formula_cell_says_what_the_cell_held():
    rows = (
        HEADER_ROW + '<row r="2">' + inline("A2", "Child T") + inline("B2", "Train") + "</row>"
        '<row r="3">'
        + inline("A3", "Child T")
        + '<c r="B3" t="str"><f>A1&amp;B1</f><v>ReviewAction</v></c></row>'
        '<row r="4"><c r="A4"><f>A3</f></c>' + inline("B4", "Train") + "</row>"
    )
    with pytest.raises(TabularError) as caught:
        read_table(workbook(sheet(rows)), SPEC, filename="plan.xlsx")
    assert caught.value.messages == [
        "Row 3, Action: The cell holds a formula (=A1&B1): enter the text itself.",
        "Row 4, Review: The cell holds a formula (=A3): enter the text itself.",
    ]


@pytest.mark.parametrize(
    "data",
    [
        b"not a zip",
        workbook(b"<worksheet><sheetData><row><c><v>1</v></row></sheetData>"),  # bad XML
        workbook(sheet('<row r="2"/><row r="1"/>')),  # rows out of order
        workbook(sheet('<row r="1"><c r="A1" t="s"><v>7</v></c></row>')),  # no such string
        workbook(sheet('<row r="1"><c r="1A"><v>1</v></c></row>')),  # a cell name
    ],
)
def test_a_broken_workbook_gives_the_broken_workbook_message(data):
    assert only(data, "plan.xlsx") == tabular.BROKEN_XLSX


def test_entities_and_a_dtd_are_refused():
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>' + sheet(HEADER_ROW)
    )
    assert only(workbook(laughs), "plan.xlsx") == tabular.BROKEN_XLSX


def test_the_problem_reads_as_a_sentence():
    assert str(Problem(3, "Action", "x.")) == "Row 3, Action: x."
    assert str(Problem(None, "", "x.")) == "x."
    assert TabularError([Problem(1, "", "a."), Problem(None, "", "b.")]).messages == [
        "Row 1: a.",
        "b.",
    ]
