"""The board paper's figures as an XLSX workbook: a "Key figures" sheet, then one sheet
per overview section holding each of its tables (caption, headings, rows) with the same
numbers as the page and the PDF."""

from __future__ import annotations

import io
from collections.abc import Sequence

from core import tabular
from core.overview import BuiltSection, Period

MAX_SHEET_TITLE = 31  # Excel's limit


def _sheet_title(title: str, taken: set[str]) -> str:
    base = "".join(ch for ch in title if ch not in "[]:*?/\\")[:MAX_SHEET_TITLE] or "Section"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[: MAX_SHEET_TITLE - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def write_xlsx(sections: Sequence[BuiltSection], period: Period) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    bold = Font(bold=True)
    heading = Font(bold=True, size=14)
    workbook = Workbook()
    summary = workbook.active
    summary.title = "Key figures"
    taken = {"key figures"}
    summary.cell(row=1, column=1, value="Partnership overview").font = heading
    summary.cell(row=2, column=1, value="Figures at")
    cell = summary.cell(row=2, column=2, value=period.today)
    cell.number_format = "d mmm yyyy"
    row = 4
    for section in sections:
        tabular.set_xlsx_cell(summary, row, 1, section.title).font = bold
        row += 1
        for figure in section.figures.key_figures:
            tabular.set_xlsx_cell(summary, row, 1, figure.label)
            summary.cell(row=row, column=2, value=figure.value)
            row += 1
        row += 1
    summary.column_dimensions["A"].width = 40
    summary.column_dimensions["B"].width = 14

    for section in sections:
        sheet = workbook.create_sheet(_sheet_title(section.title, taken))
        tabular.set_xlsx_cell(sheet, 1, 1, section.title).font = heading
        row = 3
        for table in section.figures.tables:
            tabular.set_xlsx_cell(sheet, row, 1, table.caption).font = bold
            row += 1
            for col, text in enumerate((table.row_heading, *table.columns), start=1):
                tabular.set_xlsx_cell(sheet, row, col, text).font = bold
            row += 1
            for figure_row in table.rows:
                tabular.set_xlsx_cell(sheet, row, 1, figure_row.label)
                for col, value in enumerate(figure_row.cells, start=2):
                    sheet.cell(row=row, column=col, value=value.value)
                row += 1
            if table.note:
                tabular.set_xlsx_cell(sheet, row, 1, table.note)
                row += 1
            row += 1
        sheet.column_dimensions["A"].width = 40
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
