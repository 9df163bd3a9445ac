"""The plan as the seed lays it out, for the executive group and the board: an XLSX with
the seed's headings ("Objective 4" over the outcome measures), an "Objective n:" row
before each objective's lines, numbered lists in the cells, and each action's progress
(re-importable: ``importing`` reads it back)."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from actions.models import COMPLETE_STATES, ActionState
from core.tabular import set_xlsx_cell
from improvement_plan import importing, rag, selectors
from improvement_plan.selectors import PlanTable

HEADINGS = [
    importing.PROVENANCE,
    importing.RECOMMENDATION,
    importing.ACTION,
    importing.MILESTONES,
    importing.LEAD,
    "Objective 4",  # as the seed heads its outcome measures
    importing.PROGRESS,
    importing.CONTRIBUTING,
    "RAG (rolled up)",
]
WIDTHS = [22, 40, 60, 18, 24, 50, 24, 22, 12]


def progress_word(action: Any) -> str:
    if action.state == ActionState.CANCELLED:
        return "cancelled"
    if action.state in COMPLETE_STATES:
        when = action.signed_off_at
        return f"complete {when:%-d %b %Y}" if when else "complete"
    if action.state == ActionState.ASSIGNED:
        return "not started"
    return "in progress"


def _number(action: Any) -> str:
    return action.reference.rsplit(".", 1)[-1] if action.reference.count(".") >= 2 else "1"


def rows(table: PlanTable) -> list[list[str]]:
    out: list[list[str]] = [list(HEADINGS)]
    previous = None
    for objective_row in table.objectives:
        out.append(
            [f"Objective {objective_row.objective.number}: {objective_row.objective.text}".strip()]
            + [""] * (len(HEADINGS) - 1)
        )
        previous = None
        for line_row in objective_row.lines:
            line = line_row.line
            same = (
                previous is not None
                and line.sub_part
                and previous.provenance_text == line.provenance_text
            )
            actions = line_row.actions
            numbered = [(_number(a), a) for a in actions]
            milestones = []
            for _, a in numbered:
                seen = set()
                for m in rag.milestones_of(a):
                    if (m.position, m.text) not in seen:
                        seen.add((m.position, m.text))
                        milestones.append(f"{m.position}. {m.text}")
            contributing = sorted({c.name for a in actions for c in selectors.contributors_of(a)})
            out.append(
                [
                    "" if same else line.provenance_text,
                    "" if same else line.recommendation,
                    "\n".join(f"{n}. {a.description}" for n, a in numbered),
                    "\n".join(milestones),
                    line.lead_text,
                    "\n".join(line.measures()),
                    "\n".join(f"{n}. {progress_word(a)}" for n, a in numbered),
                    "; ".join(contributing),
                    rag.LABELS[line_row.rollup.rag],
                ]
            )
            previous = line
    return out


def xlsx(table: PlanTable) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Improvement plan"
    for r, values in enumerate(rows(table), start=1):
        for c, value in enumerate(values, start=1):
            set_xlsx_cell(sheet, r, c, value)
            cell = sheet.cell(row=r, column=c)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if r == 1 or (c == 1 and value.startswith("Objective ") and not values[2]):
                cell.font = Font(bold=True)
    for i, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[chr(64 + i)].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
